/**
 * Starts a moto server (the Python AWS emulator) for the AWS services the edge port sends it: SNS,
 * Kinesis, S3 and STS. It is optional: without Python or moto, `npm start` still serves the sync API
 * and says in one line what is off.
 *
 * It runs through a few lines of Python (`WATCHDOG` below) rather than `python3 -m moto.server`,
 * for the two things DynamoDB Local's launcher does for the JVM: it binds 127.0.0.1 only (moto
 * checks no signature, so anyone who reaches it could use it), and it exits when its stdin (a pipe
 * from us) closes, however we die. moto keeps its state in memory: nothing survives a restart.
 */
import { ExitedEarly, PortTakenError, pollUntilAnswering, retryOnTakenPort, spawnEmulatorProcess } from './child-process';

/** moto's own threaded server, in this process's foreground until stdin reaches its end. */
const WATCHDOG = `
import sys
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
}

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
  return retryOnTakenPort(3, undefined, (port) => startOnce(python, port, options.startTimeoutMs ?? 30_000));
}

async function startOnce(python: string, port: number, timeoutMs: number): Promise<Moto> {
  // Not in its own process group: a Ctrl-C in the terminal may reach it too, and then it just exits early.
  const {
    child,
    exited,
    stderr: stderrTail,
    stop,
  } = spawnEmulatorProcess({
    command: python,
    args: ['-c', WATCHDOG, String(port)],
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
  return { endpoint, port, pid: child.pid as number, stop };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1];
}
