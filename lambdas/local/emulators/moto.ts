/**
 * Starts a moto server (the Python AWS emulator) for the AWS services the edge port sends it: SNS,
 * Kinesis, S3 and STS. It is optional: without Python or moto, `npm start` still serves the sync API
 * and says in one line what is off.
 *
 * It runs through a few lines of Python (`WATCHDOG` below) rather than `python3 -m moto.server`,
 * for the two things DynamoDB Local's launcher does for the JVM: it binds 127.0.0.1 only (moto
 * checks no signature, so anyone who reaches it could use it), and it exits when its stdin (a pipe
 * from us) closes, however we die.
 *
 * moto keeps its state in memory. With a `stateFile` (the local endpoint's data dir), its state
 * survives a restart by moto's own recorder: every request it serves is appended to the file, and
 * the next start replays the file before it serves anything. moto draws ids (an SNS endpoint's
 * ARN, say) from a random generator that it lets us seed: seeding it the same before the first
 * request and before each replay gives the replayed resources the ids they had, which the sync
 * table still refers to (a device's endpoint ARN).
 */
import { existsSync, statSync } from 'node:fs';
import { ExitedEarly, PortTakenError, pollUntilAnswering, retryOnTakenPort, spawnEmulatorProcess } from './child-process';

/** moto's own threaded server, in this process's foreground until stdin reaches its end. */
const WATCHDOG = `
import os, sys
if len(sys.argv) > 2:
    # Read when moto is imported: where its recorder appends the requests it serves.
    os.environ["MOTO_RECORDER_FILEPATH"] = sys.argv[2]
try:
    from moto.server import ThreadedMotoServer
except ImportError as e:
    sys.stderr.write("moto-missing: %s\\n" % e)
    sys.exit(3)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
sys.stdin.read()
server.stop()
`;

export const MOTO_INSTALL_HINT = 'pip install "moto[server]"';

export interface MotoOptions {
  /** The Python executable. Default `python3`. */
  readonly python?: string;
  /** Default 30 s. */
  readonly startTimeoutMs?: number;
  /** Keep moto's state across restarts in this file (a recording of its requests). Default: memory only. */
  readonly stateFile?: string;
}

/** moto's random generator is seeded with this before the first request and before each replay. */
const ID_SEED = 20140630;

export interface Moto {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the process and waits until it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Python or moto is not installed: the caller carries on without what moto serves. */
export class MotoUnavailableError extends Error {}

export async function startMoto(options: MotoOptions = {}): Promise<Moto> {
  const python = options.python ?? 'python3';
  // A chosen-then-released port can be taken by someone else before Python binds it: try a few.
  return retryOnTakenPort(3, undefined, (port) => startOnce(python, port, options.startTimeoutMs ?? 30_000, options.stateFile));
}

async function startOnce(python: string, port: number, timeoutMs: number, stateFile: string | undefined): Promise<Moto> {
  // Not in its own process group: a Ctrl-C in the terminal may reach it too, and then it just exits early.
  const {
    child,
    exited,
    stderr: stderrTail,
    stop,
  } = spawnEmulatorProcess({
    command: python,
    args: ['-c', WATCHDOG, String(port), ...(stateFile ? [stateFile] : [])],
    ownProcessGroup: false,
    keepStdout: false,
    signalOnParentExit: 'SIGKILL',
    spawnError: (e) => new MotoUnavailableError(e.code === 'ENOENT' ? `${python} was not found` : `${python} could not be started: ${e.message}`),
  });

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await pollUntilAnswering(
      exited,
      timeoutMs,
      // moto's own API: any HTTP answer means it is serving.
      () => fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) }),
      () => new MotoUnavailableError(`moto did not answer on ${endpoint} within ${Math.round(timeoutMs / 1000)} s`),
    );
  } catch (e) {
    await stop();
    if (e instanceof ExitedEarly) {
      const stderr = stderrTail.toString();
      if (/moto-missing/.test(stderr)) throw new MotoUnavailableError(`moto is not installed for ${python}`);
      if (/Address already in use/i.test(stderr)) throw new PortTakenError();
      throw new MotoUnavailableError(`moto exited during start-up (${e.reason})${stderr ? `: ${lastLine(stderr)}` : ''}`);
    }
    throw e;
  }
  if (stateFile) {
    try {
      await restoreAndRecord(endpoint, stateFile);
    } catch (e) {
      await stop();
      throw new MotoUnavailableError(`moto's saved state in ${stateFile} could not be restored: ${(e as Error).message}`);
    }
  }
  return { endpoint, port, pid: child.pid as number, stop };
}

/** Replays what an earlier run recorded (ids drawn as they were then), then records from here on. */
async function restoreAndRecord(endpoint: string, stateFile: string): Promise<void> {
  const call = async (pathAndQuery: string) => {
    const response = await fetch(`${endpoint}${pathAndQuery}`, { method: 'POST', signal: AbortSignal.timeout(120_000) });
    if (!response.ok) throw new Error(`${pathAndQuery} answered ${response.status}`);
  };
  await call(`/moto-api/seed?a=${ID_SEED}`);
  if (existsSync(stateFile) && statSync(stateFile).size > 0) await call('/moto-api/recorder/replay-recording');
  await call('/moto-api/recorder/start-recording');
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1];
}
