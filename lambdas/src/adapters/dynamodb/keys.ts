/**
 * The key scheme of the sync table: which partition and sort key each item has. The store, the
 * redo log, the bench and (next) the DynamoDB Streams consumer address items only through these,
 * so the scheme is written once (docs/decisions.md#one-table-one-partition-per-identity).
 *
 * Items of one identity share the partition `I#<pool>#<identity>`:
 *
 * | SK                                   | item                                                        |
 * |--------------------------------------|-------------------------------------------------------------|
 * | `SUMMARY`                            | the identity's dataset count (the 20-dataset limit)         |
 * | `D#<dataset>`                        | dataset head: committed sync count, sizes, deletion state;  |
 * |                                      | a dataset up to the threshold: all its records (`r`)        |
 * | `R#<dataset>#<keyToken>`             | record of a larger dataset; in the BySyncCount index        |
 * | `V#<dataset>#<count>#<i>#<keyToken>` | part i of a large value written at sync count <count>       |
 * | `L#<dataset>#<count>#<writer>#<i>`   | redo log of a large update, until it is applied             |
 *
 * A pool's own items share the partition `P#<pool>`; its settings (GetIdentityPoolConfiguration,
 * SetIdentityPoolConfiguration) are the item with SK `CONFIG`.
 *
 * Record items also carry the BySyncCount index's sort key (heads never do: a single-item dataset is
 * not in the index), `<dataset>#<zero-padded sync count>`, so that
 * one range query lists a dataset's changes since a sync count.
 */
import { createHash } from 'node:crypto';
import type { DatasetRef, IdentityRef } from '../../domain/model';
import { TABLE_KEYS } from './table-schema';

/** Sort keys may hold 1,024 bytes; longer record keys are addressed by their hash. */
const INLINE_KEY_BYTES = 512;

/** Zero-padded, so that sync counts sort as strings in their numeric order. */
const pad = (n: number): string => n.toString().padStart(20, '0');

/** The sort-key form of a record key: itself when short enough, else its hash (kept apart by prefix). */
const keyToken = (key: string): string =>
  Buffer.byteLength(key, 'utf8') <= INLINE_KEY_BYTES ? `=${key}` : `#${createHash('sha256').update(key).digest('hex')}`;

/** The prefix of each kind of item's sort key. */
export const SORT_KEY_PREFIX = { head: 'D#', record: 'R#', valuePart: 'V#', log: 'L#' } as const;

/** The partition of an identity: all its datasets, records and totals. */
export const identityPartition = (identity: IdentityRef): string => `I#${identity.IdentityPoolId}#${identity.IdentityId}`;

/** The partition-key prefix of a pool's own items: the deployment limits the pool operations to it. */
export const POOL_PARTITION_PREFIX = 'P#';

/** The partition of an identity pool's own items (its configuration). */
export const poolPartition = (identityPoolId: string): string => `${POOL_PARTITION_PREFIX}${identityPoolId}`;

export const sortKey = {
  poolConfiguration: 'CONFIG',
  summary: 'SUMMARY',
  head: (dataset: string) => `${SORT_KEY_PREFIX.head}${dataset}`,
  record: (dataset: string, key: string) => `${SORT_KEY_PREFIX.record}${dataset}#${keyToken(key)}`,
  recordPrefix: (dataset: string) => `${SORT_KEY_PREFIX.record}${dataset}#`,
  valuePart: (dataset: string, syncCount: number, i: number, key: string) => `${SORT_KEY_PREFIX.valuePart}${dataset}#${pad(syncCount)}#${i}#${keyToken(key)}`,
  valuePartPrefix: (dataset: string) => `${SORT_KEY_PREFIX.valuePart}${dataset}#`,
  log: (dataset: string, syncCount: number, writer: string, i: number) => `${SORT_KEY_PREFIX.log}${dataset}#${pad(syncCount)}#${writer}#${i}`,
};

/** The dataset name of a head's sort key. */
export const datasetOfHead = (headSortKey: string): string => headSortKey.slice(SORT_KEY_PREFIX.head.length);

/** The sync count a value part was written at, from its sort key (records carry theirs as an attribute). */
export const syncCountOfValuePart = (valuePartSortKey: string): number => Number(valuePartSortKey.split('#')[2]);

/** A record's sort key in the BySyncCount index: the dataset, then the sync count it was written at. */
export const bySyncCountSortKey = (dataset: string, syncCount: number): string => `${dataset}#${pad(syncCount)}`;

/** The part of a Query that lists a dataset's records stamped above `afterSyncCount`, in sync-count order. */
export function bySyncCountQuery(dataset: DatasetRef, afterSyncCount: number) {
  const { bySyncCountIndex, bySyncCountSortKey: indexSortKey } = TABLE_KEYS;
  return {
    IndexName: bySyncCountIndex,
    KeyConditionExpression: `PK = :pk AND ${indexSortKey} BETWEEN :from AND :to`,
    ExpressionAttributeValues: {
      ':pk': identityPartition(dataset),
      ':from': bySyncCountSortKey(dataset.DatasetName, afterSyncCount + 1),
      ':to': bySyncCountSortKey(dataset.DatasetName, Number.MAX_SAFE_INTEGER),
    },
  };
}

/**
 * Push sync's items, in the identity's partition (adapters/dynamodb/device-store.ts): a device
 * `PD#<deviceId>`, the entry that makes RegisterDevice idempotent per (platform, token)
 * `PT#<platform>#<sha256 of the token>`, and a subscription `PS#<dataset>#<deviceId>`. None begins
 * with another kind's prefix, so the store's prefix queries and the change feed never see them.
 */
export const PUSH_SORT_KEY_PREFIX = { device: 'PD#', token: 'PT#', subscription: 'PS#' } as const;

export const pushSortKey = {
  device: (deviceId: string) => `${PUSH_SORT_KEY_PREFIX.device}${deviceId}`,
  token: (platform: string, token: string) => `${PUSH_SORT_KEY_PREFIX.token}${platform}#${createHash('sha256').update(token).digest('hex')}`,
  subscription: (dataset: string, deviceId: string) => `${PUSH_SORT_KEY_PREFIX.subscription}${dataset}#${deviceId}`,
  subscriptionPrefix: (dataset: string) => `${PUSH_SORT_KEY_PREFIX.subscription}${dataset}#`,
};
