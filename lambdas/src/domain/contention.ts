/**
 * Optimistic writes that lose a race read again and try again; this spaces the attempts out.
 * Shared by every capability that commits on a condition (a dataset's head today).
 */
import { sleep } from '../common/sleep';

/**
 * How long (in backoff, not counting the calls themselves) a write keeps re-reading and re-checking
 * while other writes move the same dataset. A budget of time rather than of attempts, so that a burst
 * of many writers on one dataset is served in turn rather than failed after a fixed number of losses.
 */
const CONTENTION_BUDGET_MS = 3_000;

/** Jittered exponential backoff between attempts, so that contending writers spread out. */
export class Contention {
  private attempts = 0;
  private waited = 0;

  /** Waits before the next attempt; false once the budget is spent. */
  async waitTurn(): Promise<boolean> {
    if (this.waited >= CONTENTION_BUDGET_MS) return false;
    const pause = Math.random() * Math.min(200, 5 * 2 ** ++this.attempts);
    this.waited += pause;
    await sleep(pause);
    return true;
  }
}
