/**
 * Notices that the process that started us has died. `npm start` runs us as npm -> sh -> node
 * (the shell does not exec us), and tsx may sit in between: a kill -9 of any of them would leave
 * us, and so DynamoDB Local, running and holding the data directory.
 *
 * - Our own parent dying shows as a change of `process.ppid`: an orphan is adopted by init or a
 *   subreaper, on Linux and macOS alike.
 * - An ancestor further up (the npm process above the shell) dying changes nobody's ppid that we
 *   can see, so when npm started us we note the pids between us and it once, at start, with `ps`
 *   (on Linux and macOS), and check that they still exist.
 */
import { execFileSync } from 'node:child_process';
import { isProcessRunning } from './process-alive';

/** Calls `onOrphaned` once, soon after our parent, or the npm process that started us, dies. Returns a function that stops watching. */
export function watchParent(onOrphaned: () => void, intervalMs = 500): () => void {
  const parentAtStart = process.ppid;
  const ancestors = process.env.npm_lifecycle_event ? ancestorsUpToNpm(parentAtStart) : [];
  const timer = setInterval(() => {
    if (process.ppid === parentAtStart && ancestors.every(isProcessRunning)) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  // Watching must not by itself keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}

/** The pids above `pid` up to and including the npm process that runs our script; empty when there is none. */
function ancestorsUpToNpm(pid: number, maxDepth = 6): number[] {
  const chain: number[] = [];
  let current = pid;
  for (let depth = 0; depth < maxDepth && current > 1; depth++) {
    const entry = processEntry(current);
    if (!entry) return [];
    chain.push(current);
    if (/(^|[\s/])npm(-cli\.js)?(\s|$)/.test(entry.args)) return chain;
    current = entry.ppid;
  }
  return [];
}

function processEntry(pid: number): { ppid: number; args: string } | undefined {
  try {
    const line = execFileSync('ps', ['-o', 'ppid=,args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const m = /^(\d+)\s+(.*)$/.exec(line);
    return m ? { ppid: Number(m[1]), args: m[2] } : undefined;
  } catch {
    // No ps here: watch our parent only.
    return undefined;
  }
}
