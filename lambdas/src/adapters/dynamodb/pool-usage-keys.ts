/**
 * Where the usage counters live (docs/behaviour.md#identity-pool-usage). Every key starts with the
 * pool's partition, `P#<pool>` (keys.ts), so the pool operations' `P#*` grant covers them all, and
 * ends in its own `#` suffix: pool ids hold no `#`, so no pool's keys are another's.
 *
 * | PK                          | SK             | item                                                   |
 * |-----------------------------|----------------|--------------------------------------------------------|
 * | `P#<pool>#U#<shard>`        | `USAGE`        | one shard of the pool's counters (0 ≤ shard < SHARDS)  |
 * | `P#<pool>#M#<identity>`     | `M#<dataset>`  | the dataset's mark: the last event the counters applied |
 *
 * Shards are partitions of their own, not sort keys under `P#<pool>`: the table has a local
 * secondary index, and an item collection with one cannot be split across partitions, so sort keys
 * under one partition key would all share one partition's 1,000 writes a second. Marks have a
 * partition per identity for the same reason: every event writes one, and a busy pool's events
 * must not all land on one partition.
 */
import { createHash } from 'node:crypto';
import type { DatasetAddress } from '../../domain/pools/usage-ports';
import { poolPartition } from './keys';

/**
 * Shards per pool. An event's transaction writes its shard at 2 write units (transactional), so a
 * partition's 1,000 units a second take 500 events a second: 4 shards take 2,000 committed syncs a
 * second in one pool, while a usage read stays one BatchGetItem of 4 keys (60 pools: 240 keys, 3
 * calls). Raising it later is safe (readers sum every shard below it); lowering it would lose counts.
 */
export const USAGE_SHARDS = 4;

export const USAGE_SORT_KEY = 'USAGE';

export const usageShardKey = (identityPoolId: string, shard: number) => ({ PK: `${poolPartition(identityPoolId)}#U#${shard}`, SK: USAGE_SORT_KEY });

/** The shard an identity's events count on: fixed per identity, spread over the pool's identities. */
export const shardOf = (identityId: string): number => createHash('sha256').update(identityId).digest().readUInt32BE(0) % USAGE_SHARDS;

export const datasetMarkKey = (dataset: DatasetAddress) => ({
  PK: `${poolPartition(dataset.identityPoolId)}#M#${dataset.identityId}`,
  SK: `M#${dataset.datasetName}`,
});
