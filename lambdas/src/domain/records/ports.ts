/**
 * The narrow ports of the records capability: each operation sees only the part of the store, and
 * of the token codec, that it uses, so that a function composed for one operation needs no more.
 * They are views (`Pick<>`) of the one store port (`../ports.ts`) that the adapters implement.
 *
 * Convention for the capabilities that follow (pools, push, streams, change feed): a folder
 * `domain/<capability>/` (`pools/`, `push/`, `streams/`, `change-feed/`) holding one module per
 * operation or group of operations, its own `ports.ts` of views or small interfaces, and pure steps
 * with their unit tests; shared rules stay at `domain/` (model, sizes, tokens, contention).
 */
import type { OperationName, OperationSpec, PageLimits } from '../../operations';
import { OPERATIONS } from '../../operations';
import type { SyncStore } from '../ports';
import type { TokenCodec } from '../tokens';

/** ListDatasets, DescribeDataset, DescribeIdentityUsage. */
export type DatasetReader = Pick<SyncStore, 'getDatasetHead' | 'listDatasets' | 'getIdentitySummary'>;
/** ListRecords. */
export type RecordsReader = Pick<SyncStore, 'listRecords'>;
/** UpdateRecords. */
export type UpdateWriter = Pick<SyncStore, 'readForUpdate' | 'commitUpdate'>;
/** DeleteDataset. */
export type DatasetDeleter = Pick<SyncStore, 'readForUpdate' | 'deleteDataset'>;

/** Sealing and opening NextTokens (and, through SyncSessionTokens, session tokens). */
export type Tokens = Pick<TokenCodec, 'seal' | 'open'>;

/** An operation's page sizes, from its entry in the operation table. */
export function pageLimitsOf(operation: OperationName): PageLimits {
  const spec: OperationSpec = OPERATIONS[operation];
  const limits = spec.maxResults;
  if (limits === undefined) throw new Error(`${operation} has no page limits in the operation table`);
  return limits;
}

/** A page of the operation's default size, or of what the caller asked for when that is fewer. */
export const pageSize = (requested: number | undefined, limits: PageLimits): number =>
  requested === undefined ? limits.default : Math.min(requested, limits.max);
