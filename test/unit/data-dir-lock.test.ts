/**
 * One server per data directory: a live holder is refused by name, a dead one's lock is taken over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDataDir } from '../../lambdas/local/process/data-dir-lock';
import { LocalRuntimeError } from '../../lambdas/local/process/errors';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ocs-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lockFile = () => path.join(dir, LOCK_FILE);

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(result.stdout);
}

describe('lockDataDir', () => {
  it('writes our pid into a lock file only we can write, and removes it on release', () => {
    const lock = lockDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    expect(statSync(lockFile()).mode & 0o777).toBe(0o600);
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
    lock.release(); // idempotent
  });

  it('refuses a second lock while the first is held, naming the holder and the directory', () => {
    const lock = lockDataDir(dir);
    try {
      const error = (() => {
        try {
          lockDataDir(dir);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(LocalRuntimeError);
      expect((error as Error).message).toBe(
        `The data directory ${dir} is in use by another server (pid ${process.pid}). ` +
          `Stop it first, or choose another --data-dir. If no such server is running, delete ${lockFile()}.`,
      );
      // The refusal left the holder's lock alone.
      expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    } finally {
      lock.release();
    }
    lockDataDir(dir).release();
  });

  it('refuses a lock held by another live process', () => {
    // Our parent (the vitest runner) is alive and is not us.
    writeFileSync(lockFile(), `${process.ppid}\n`);
    expect(() => lockDataDir(dir)).toThrow(`is in use by another server (pid ${process.ppid})`);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('takes over a lock whose process is gone', () => {
    const pid = deadPid();
    writeFileSync(lockFile(), `${pid}\n`);
    const lock = lockDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  it('takes over a lock carrying our own pid that we do not hold (a restarted container reuses pids)', () => {
    writeFileSync(lockFile(), `${process.pid}\n`);
    const lock = lockDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  it('treats a fresh lock file without a pid as a start in progress, and an old one as stale', () => {
    writeFileSync(lockFile(), '');
    expect(() => lockDataDir(dir)).toThrow(`Another server is starting on the data directory ${dir}`);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lockFile(), aMinuteAgo, aMinuteAgo);
    lockDataDir(dir).release();
  });

  it('does not remove a lock that another process took over after us', () => {
    const lock = lockDataDir(dir);
    writeFileSync(lockFile(), `${process.ppid}\n`);
    lock.release();
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.ppid}\n`);
  });
});
