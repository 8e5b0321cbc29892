/**
 * The console's charts count events per minute over the last hour: syncs (committed UpdateRecords
 * seen by the change feed) and conflicts (409 answers). Minutes are whole UTC minutes, the last one
 * being the current (partial) minute, so that a sync shows at once.
 */
import type { StampedActivity } from './activity';

export interface PerMinute {
  /** Start of each minute, epoch seconds (uPlot's x values), oldest first. */
  readonly minutes: number[];
  readonly syncs: number[];
  readonly conflicts: number[];
}

const MINUTE_MS = 60_000;

export function perMinute(events: readonly StampedActivity[], nowMs: number, minuteCount = 60): PerMinute {
  const currentMinute = Math.floor(nowMs / MINUTE_MS);
  const first = currentMinute - minuteCount + 1;
  const minutes = Array.from({ length: minuteCount }, (_, i) => ((first + i) * MINUTE_MS) / 1000);
  const syncs = new Array<number>(minuteCount).fill(0);
  const conflicts = new Array<number>(minuteCount).fill(0);
  for (const event of events) {
    const slot = Math.floor(event.at / MINUTE_MS) - first;
    if (slot < 0 || slot >= minuteCount) continue;
    if (event.type === 'sync' && event.kind === 'sync') syncs[slot] = (syncs[slot] as number) + 1;
    else if (event.type === 'conflict') conflicts[slot] = (conflicts[slot] as number) + 1;
  }
  return { minutes, syncs, conflicts };
}
