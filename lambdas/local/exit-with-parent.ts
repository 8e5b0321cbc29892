/**
 * Notices that the process that started us has died. `npm start` runs us under tsx, which runs
 * us as its child: a kill -9 of tsx (or of whatever started us) would leave us, and so DynamoDB
 * Local, running and holding the data directory. An orphan is adopted by another process (init or
 * a subreaper), so a change of parent pid is the sign, on Linux and macOS alike.
 */

/** Calls `onOrphaned` once, soon after our parent dies. Returns a function that stops watching. */
export function watchParent(onOrphaned: () => void, intervalMs = 500): () => void {
  const parentAtStart = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parentAtStart) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  // Watching must not by itself keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
