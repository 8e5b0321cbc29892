/**
 * Which function a pool's sync trigger names, as UpdateRecords asks on every identity's sync.
 *
 * The answer is kept in this process for SYNC_TRIGGER_TTL_MS, so that UpdateRecords does not pay a
 * DynamoDB round trip per call for a setting that changes rarely. The price: deployed, where
 * SetCognitoEvents runs in another function, a change reaches a warm UpdateRecords container at
 * most SYNC_TRIGGER_TTL_MS later (docs/behaviour.md#sync-trigger). In one process (the local
 * server) a Set drops the entry at once (`forget`).
 */
import type { Clock } from '../ports';

/** How long a pool's trigger is trusted without reading it again. */
export const SYNC_TRIGGER_TTL_MS = 10_000;

/** Pools kept at most; past it the oldest entry goes, so a container serving many pools stays small. */
export const SYNC_TRIGGER_CACHE_SIZE = 1_000;

export interface SyncTriggerLookup {
  /** The function ARN of the pool's `SyncTrigger`, or undefined when it has none. */
  functionFor(identityPoolId: string): Promise<string | undefined>;
  /** Drops what is known of the pool: its next lookup reads it again. */
  forget(identityPoolId: string): void;
}

interface Entry {
  readonly until: number;
  readonly arn: Promise<string | undefined>;
}

export class CachedSyncTriggerLookup implements SyncTriggerLookup {
  private readonly entries = new Map<string, Entry>();

  constructor(
    /** Reads the pool's trigger from the store. */
    private readonly read: (identityPoolId: string) => Promise<string | undefined>,
    private readonly clock: Clock,
    private readonly ttlMs = SYNC_TRIGGER_TTL_MS,
  ) {}

  functionFor(identityPoolId: string): Promise<string | undefined> {
    const now = this.clock.now();
    const cached = this.entries.get(identityPoolId);
    if (cached && cached.until > now) return cached.arn;
    this.entries.delete(identityPoolId);
    if (this.entries.size >= SYNC_TRIGGER_CACHE_SIZE) this.entries.delete(this.entries.keys().next().value as string);
    // The promise is kept, so that concurrent syncs of one pool share one read; a failed read is not kept.
    const arn = this.read(identityPoolId);
    this.entries.set(identityPoolId, { until: now + this.ttlMs, arn });
    arn.catch(() => {
      if (this.entries.get(identityPoolId)?.arn === arn) this.entries.delete(identityPoolId);
    });
    return arn;
  }

  forget(identityPoolId: string): void {
    this.entries.delete(identityPoolId);
  }
}
