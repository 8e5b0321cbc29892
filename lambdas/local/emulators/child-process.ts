/**
 * The lifecycle every emulator child process shares (DynamoDB Local's JVM, moto's Python): spawn it
 * with a stdin pipe it exits on when we die, drain its output into a tail that explains a failed
 * start, wait for it to answer or exit, stop it with SIGTERM then SIGKILL, kill it if we exit
 * without stopping it, and retry on another port when the one we chose was taken meanwhile.
 *
 * It lives here once so that a fix to any of these (a pipe left undrained, a JVM outliving us) reaches
 * every emulator. What differs per emulator stays with it: the command, how it is probed, and what
 * its failures mean to the user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { sleep } from '../../src/common/sleep';

/** A port that was free a moment ago. Another process may take it before we do: callers retry. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Thrown by a start attempt whose port turned out to be taken: `retryOnTakenPort` tries another. */
export class PortTakenError extends Error {}

/**
 * Calls `start` with a port until it succeeds, up to `attempts` times while it throws
 * `PortTakenError`. `port` is the caller's fixed port, or undefined to choose a free one each time.
 * When the attempts run out, throws what `whenAllTaken` makes of the last port (or the
 * `PortTakenError` itself when it makes nothing).
 */
export async function retryOnTakenPort<T>(
  attempts: number,
  port: number | undefined,
  start: (port: number) => Promise<T>,
  whenAllTaken: (port: number) => Error | undefined = () => undefined,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const chosen = port ?? (await findFreePort());
    try {
      return await start(chosen);
    } catch (e) {
      if (!(e instanceof PortTakenError) || attempt >= attempts) {
        throw (e instanceof PortTakenError && whenAllTaken(chosen)) || e;
      }
    }
  }
}

/** Keeps the last few KB of a stream: enough to show why the process died. */
export class Tail {
  private text = '';
  constructor(private readonly max = 4000) {}
  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-this.max);
  }
  toString(): string {
    return this.text.trim();
  }
}

/** The process exited before it answered; `reason` is `exit code N` or `killed by SIG…`. */
export class ExitedEarly extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface EmulatorProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /**
   * Its own process group (detached), so that signals reach anything it spawned and a Ctrl-C in the
   * terminal reaches only us. Otherwise the signals go to the child alone.
   */
  readonly ownProcessGroup: boolean;
  /** Keep a tail of stdout too (otherwise it is ignored); only stderr is always kept. */
  readonly keepStdout: boolean;
  /** Sent when this process exits without stop() (an uncaught error, process.exit). */
  readonly signalOnParentExit: NodeJS.Signals;
  /** What a failure to spawn it (e.g. ENOENT: not installed) means to the user. */
  readonly spawnError: (e: NodeJS.ErrnoException) => Error;
}

export interface EmulatorProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit reason; rejects with `spawnError`'s error when it could not be spawned. */
  readonly exited: Promise<string>;
  readonly stdout: Tail;
  readonly stderr: Tail;
  /** SIGTERM, then SIGKILL after 5 s; waits until it has exited. Idempotent. */
  stop(): Promise<void>;
}

export function spawnEmulatorProcess(options: EmulatorProcessOptions): EmulatorProcess {
  const detached = options.ownProcessGroup && process.platform !== 'win32';
  // stdin is a pipe we never write to: the child exits when it closes, that is when we die, however.
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    detached,
    stdio: ['pipe', options.keepStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  // The child exiting closes the pipe's other end; nothing is written, but never let that throw.
  child.stdin?.on('error', () => undefined);
  const stdout = new Tail();
  const stderr = new Tail();
  // Always drain the pipes: a full pipe would block the child.
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));

  const exited = new Promise<string>((resolve, reject) => {
    // `on`, not `once`: a later 'error' (a failed kill) without a listener would crash the process.
    child.on('error', (e: NodeJS.ErrnoException) => reject(options.spawnError(e)));
    child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
  });
  const signal = (name: NodeJS.Signals) => signalChild(child, name, detached);
  const killOnExit = () => signal(options.signalOnParentExit);
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5000);
      await exited.catch(() => undefined);
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { child, exited, stdout, stderr, stop };
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals, wholeGroup: boolean): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (wholeGroup) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // Already gone.
  }
}

/**
 * Calls `probe` every 100 ms until it resolves. Throws the spawn error or `ExitedEarly` as soon as
 * the process is gone, and `timedOut()` after `timeoutMs`.
 */
export async function pollUntilAnswering(exited: Promise<string>, timeoutMs: number, probe: () => Promise<unknown>, timedOut: () => Error): Promise<void> {
  let exitReason: string | undefined;
  let spawnError: unknown;
  exited.then(
    (reason) => (exitReason = reason),
    (e) => (spawnError = e),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw spawnError;
    if (exitReason) throw new ExitedEarly(exitReason);
    try {
      await probe();
      return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw timedOut();
    await sleep(100);
  }
}
