/**
 * The change feed's decoder: a DynamoDB stream record of the sync table (NEW_AND_OLD_IMAGES) to the
 * committed sync it announces, if any. The dataset head is the commit point (sync-store.ts), so only
 * head items (`D#<dataset>` in an identity's partition `I#<pool>#<identity>`) are read, and of their
 * changes only two announce anything:
 *
 * - the head's sync count went up and the new image carries no commit mark: a sync committed. A large
 *   update (redo-log.ts) first marks the head (`pending`, count unchanged; for a new dataset a head
 *   that is still `deleted`) and later moves the count and removes the mark in one write: the mark is
 *   not announced, the move is, so an update in flight is never announced before it commits;
 * - the head became deleted (DeleteDataset keeps the head and its count): a deletion.
 *
 * Every other item (records, value parts, redo logs, totals, pool items) and every other change of a
 * head (a mark set or rolled back, a re-read) is not an event.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { CommittedSync } from '../../domain/feed/committed-sync';
import { decodeDatasetHead, type Item, recordsOfHeadImage } from './items';
import { SORT_KEY_PREFIX } from './keys';

/** The partition-key prefix of an identity's items (keys.ts `identityPartition`). */
const IDENTITY_PARTITION_PREFIX = 'I#';

type StreamImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

/** The pool and identity of an identity partition key: the pool id never holds `#` (its model pattern is `[\w-]+:[0-9a-f-]+`). */
export function parseIdentityPartition(partitionKey: string): { identityPoolId: string; identityId: string } | undefined {
  if (!partitionKey.startsWith(IDENTITY_PARTITION_PREFIX)) return undefined;
  const rest = partitionKey.slice(IDENTITY_PARTITION_PREFIX.length);
  const separator = rest.indexOf('#');
  if (separator <= 0 || separator === rest.length - 1) return undefined;
  return { identityPoolId: rest.slice(0, separator), identityId: rest.slice(separator + 1) };
}

/** True when the record is a change of a dataset head: the only items the feed decodes. */
export function isDatasetHeadRecord(record: DynamoDBRecord): boolean {
  const keys = record.dynamodb?.Keys;
  const partitionKey = keys?.PK?.S;
  const sortKey = keys?.SK?.S;
  return partitionKey?.startsWith(IDENTITY_PARTITION_PREFIX) === true && sortKey?.startsWith(SORT_KEY_PREFIX.head) === true;
}

/**
 * The committed sync a stream record announces, or undefined when it announces none. Throws on a
 * head record it cannot read (no new image on an insert or a modify: a stream without
 * NEW_AND_OLD_IMAGES), so that the runner reports it instead of silently losing events.
 */
export function decodeCommittedSync(record: DynamoDBRecord): CommittedSync | undefined {
  if (!isDatasetHeadRecord(record)) return undefined;
  // A head is never removed today; a removal announces nothing.
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  const stream = record.dynamodb;
  if (!stream?.NewImage)
    throw new Error(`stream record ${stream?.SequenceNumber ?? record.eventID} of a dataset head has no new image (the stream must be NEW_AND_OLD_IMAGES)`);
  const partition = parseIdentityPartition(stream.Keys?.PK?.S as string);
  if (!partition) return undefined;

  const newItem = itemOf(stream.NewImage);
  // A commit in flight: announced when the mark is removed, with the count moved.
  if (newItem.pending !== undefined) return undefined;
  const oldItem = stream.OldImage ? itemOf(stream.OldImage) : undefined;
  if (record.eventName === 'MODIFY' && !oldItem) {
    throw new Error(`stream record ${stream.SequenceNumber ?? record.eventID} of a dataset head has no old image (the stream must be NEW_AND_OLD_IMAGES)`);
  }
  const after = decodeDatasetHead(newItem);
  const before = oldItem ? decodeDatasetHead(oldItem) : undefined;
  const deviceId = after.lastDeviceId;
  const common = {
    identityPoolId: partition.identityPoolId,
    identityId: partition.identityId,
    datasetName: after.name,
    lastModifiedDate: after.lastModifiedDate,
    lastModifiedBy: after.lastModifiedBy,
  };

  if (after.deleted && before !== undefined && !before.deleted) {
    return {
      kind: 'delete',
      ...common,
      syncCount: after.syncCount,
      previousSyncCount: before.syncCount,
      dataStorage: 0,
      previousDataStorage: before.dataStorage,
    };
  }
  if (!after.deleted && after.syncCount > (before?.syncCount ?? 0)) {
    // A single-item head holds its records: those of this commit come with the event, no read needed.
    const held = recordsOfHeadImage(newItem, after.syncCount);
    return {
      kind: 'sync',
      ...common,
      syncCount: after.syncCount,
      previousSyncCount: before?.syncCount ?? 0,
      dataStorage: after.dataStorage,
      // A deleted head holds 0, as does the head a first redo-log commit marked.
      previousDataStorage: before?.dataStorage ?? 0,
      ...(deviceId !== undefined && { deviceId }),
      ...(held !== undefined && {
        committedRecords: held.map((record) => ({ ...record, deviceLastModifiedDate: record.deviceLastModifiedDate ?? record.lastModifiedDate })),
      }),
    };
  }
  return undefined;
}

const itemOf = (image: StreamImage): Item =>
  // Lambda's and the SDK's AttributeValue shapes are the same on the wire; the types differ only in name.
  unmarshall(image as Parameters<typeof unmarshall>[0]) as Item;
