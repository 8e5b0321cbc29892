/**
 * One server per data directory. Two servers on one DynamoDB Local file each believe their own
 * commits: acknowledged writes were lost, and sync counts were acknowledged twice. So the data
 * directory holds a lock file with the owner's pid, created with O_EXCL (`wx`), and removed on a
 * clean stop.
 *
 * A lock whose pid is no longer running was left by a process that could not clean up (kill -9, a
 * power cut): it is taken over. Taking over is itself guarded by a second O_EXCL file, so that two
 * starts finding the same stale lock cannot both win.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { LocalRuntimeError } from './errors';
import { isProcessRunning } from './process-alive';

export const LOCK_FILE = 'server.lock';

/** A lock file without a pid yet is a start in progress (open and write are two calls) unless older. */
const UNWRITTEN_LOCK_GRACE_MS = 5_000;
/** A takeover guard older than this was left by a process killed mid-takeover. */
const TAKEOVER_GUARD_GRACE_MS = 10_000;

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/** Lock files this process holds: the pid in them is ours, yet they are not stale. */
const heldHere = new Set<string>();

/** Locks `dataDir` (which must exist) for this process, or throws a LocalRuntimeError naming the holder. */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = path.join(path.resolve(dataDir), LOCK_FILE);
  // Each round either creates the lock, refuses, or removes a stale lock; a few rounds cover races.
  for (let round = 0; round < 5; round++) {
    if (tryCreate(file)) return held(file);
    const holder = readHolder(file);
    if (holder === undefined) continue; // Released meanwhile.
    if (holder.pid === undefined) {
      if (Date.now() - holder.mtimeMs < UNWRITTEN_LOCK_GRACE_MS) {
        throw new LocalRuntimeError(`Another server is starting on the data directory ${dataDir} (lock file ${file}).`);
      }
    } else if (holder.pid === process.pid ? heldHere.has(file) : isProcessRunning(holder.pid)) {
      throw new LocalRuntimeError(
        `The data directory ${dataDir} is in use by another server (pid ${holder.pid}). ` +
          'Stop it first, or choose another --data-dir. ' +
          `If no such server is running, delete ${file}.`,
      );
    }
    // A pid equal to ours that we do not hold is stale too: a container restarted gives the same pids.
    takeOver(file, holder.text);
  }
  throw new LocalRuntimeError(`Could not lock the data directory ${dataDir}: ${file} keeps changing.`);
}

function held(file: string): DataDirLock {
  heldHere.add(file);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    heldHere.delete(file);
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
    } catch {
      // Already gone.
    }
  };
  // process.exit() without a stop (a fatal error) still releases it; only kill -9 leaves it stale.
  process.on('exit', release);
  return { file, release };
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new LocalRuntimeError(`Cannot create the lock file ${file}: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

interface Holder {
  readonly text: string;
  /** Undefined when the file does not (yet) hold a pid. */
  readonly pid: number | undefined;
  readonly mtimeMs: number;
}

function readHolder(file: string): Holder | undefined {
  try {
    const mtimeMs = statSync(file).mtimeMs;
    const text = readFileSync(file, 'utf8');
    const pid = /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
    return { text, pid, mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Removes a stale lock, unless another process took it over meanwhile (then the next round sees it). */
function takeOver(file: string, staleText: string): void {
  const guard = `${file}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    try {
      if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_GUARD_GRACE_MS) unlinkSync(guard);
    } catch {
      // Removed by its owner meanwhile.
    }
    return;
  }
  closeSync(fd);
  try {
    if (readFileSync(file, 'utf8') === staleText) unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  } finally {
    unlinkSync(guard);
  }
}
