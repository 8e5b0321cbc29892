/**
 * `--rate`: a token bucket in front of every source request, so that a migration stays under the
 * source's API limits however many workers run. Tokens refill continuously at `ratePerSecond`, up to
 * a burst of one second's worth; a request waits for its token.
 */
import { sleep } from '../../src/common/sleep';
import type { SourceCall } from '../source/call';

export interface TokenBucketOptions {
  readonly ratePerSecond: number;
  /** Tokens the bucket holds at most (and starts with); default: one second's worth, at least 1. */
  readonly burst?: number;
  /** For tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class TokenBucket {
  private readonly capacity: number;
  private tokens: number;
  private refilledAt: number;
  /** Waiters are served in order: each takes its token from the tail of the queue. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new Error('the rate must be a positive number of requests per second');
    this.capacity = Math.max(1, options.burst ?? options.ratePerSecond);
    this.tokens = this.capacity;
    this.refilledAt = this.now();
  }

  /** Resolves when a token was taken. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.takeInTurn());
    this.queue = turn;
    return turn;
  }

  private async takeInTurn(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - this.tokens) / this.options.ratePerSecond) * 1000);
      await (this.options.sleep ?? sleep)(waitMs);
    }
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.options.ratePerSecond);
    this.refilledAt = now;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** Each attempt of a source request first takes a token (put it inside the retry: retries count too). */
export const rateLimitedCall =
  (bucket: TokenBucket): SourceCall =>
  async (_operation, attempt) => {
    await bucket.take();
    return attempt();
  };
