/**
 * The local console's activity bus: what the local composition saw happen (committed syncs and
 * deletions from the change feed, pushes sent, stream records written, function invocations, 409
 * answers), kept for the last hour and handed to whoever listens (the console's server-sent events).
 *
 * Only the local composition publishes to it (observed-consumers.ts, the function runner's API,
 * the server's answers): the Lambda code knows nothing of the console.
 */

export type ActivityEvent =
  | {
      readonly type: 'sync';
      /** `sync` for a committed UpdateRecords, `delete` for a DeleteDataset. */
      readonly kind: 'sync' | 'delete';
      readonly identityPoolId: string;
      readonly identityId: string;
      readonly datasetName: string;
      readonly syncCount: number;
      readonly recordsChanged: number;
      readonly dataStorage: number;
    }
  | {
      readonly type: 'push';
      readonly device: string;
      readonly platform: string;
      /** The SNS message as published (MessageStructure json). */
      readonly payload: string;
      readonly outcome: string;
    }
  | {
      readonly type: 'stream';
      readonly streamName: string;
      readonly identityPoolId: string;
      readonly identityId: string;
      readonly datasetName: string;
      readonly syncCount: number;
      /** Cognito Streams' operation: `replace` for a sync, `remove` for a deletion. */
      readonly operation: string;
      readonly recordCount: number;
    }
  | {
      readonly type: 'invocation';
      readonly functionName: string;
      readonly requestId: string;
      /** The function's answer, or its error payload when `error` is set. */
      readonly payload: string;
      readonly error: boolean;
    }
  | {
      readonly type: 'conflict';
      readonly path: string;
    };

/** An event with when it happened (epoch ms) and its place in the bus (for SSE ids). */
export type StampedActivity = ActivityEvent & { readonly at: number; readonly id: number };

export type ActivityListener = (event: StampedActivity) => void;

/** How long events are kept: the charts show the last hour. */
export const ACTIVITY_KEPT_MS = 60 * 60 * 1000;
/** And at most this many, so that a busy hour does not grow the process without bound. */
const MAX_KEPT_EVENTS = 50_000;

export class ActivityBus {
  private readonly kept: StampedActivity[] = [];
  private readonly listeners = new Set<ActivityListener>();
  /**
   * Ids go on from one run of the endpoint to the next: they start at the start time in ms times
   * 1,000, above every id of a run before (unless it published over 1,000 events a millisecond).
   * So a page that reconnects after `npm start` again sends a Last-Event-ID below all of this run's
   * and gets everything kept, and the page, which orders events by id, puts this run's after the last's.
   */
  private nextId: number;

  constructor(private readonly now: () => number = Date.now) {
    this.nextId = now() * 1000 + 1;
  }

  publish(event: ActivityEvent): void {
    const stamped = { ...event, at: this.now(), id: this.nextId++ } as StampedActivity;
    this.kept.push(stamped);
    this.forgetOld();
    for (const listener of this.listeners) {
      try {
        listener(stamped);
      } catch (e) {
        // A listener's failure (a browser gone mid-write) must never reach the feed or the sync.
        console.warn('local console: an activity listener failed:', e);
      }
    }
  }

  /** Events of the last hour, oldest first. */
  recent(): readonly StampedActivity[] {
    this.forgetOld();
    return [...this.kept];
  }

  subscribe(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private forgetOld(): void {
    const oldest = this.now() - ACTIVITY_KEPT_MS;
    let drop = 0;
    while (drop < this.kept.length && ((this.kept[drop] as StampedActivity).at < oldest || this.kept.length - drop > MAX_KEPT_EVENTS)) drop++;
    if (drop > 0) this.kept.splice(0, drop);
  }
}
