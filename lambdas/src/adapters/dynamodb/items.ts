/**
 * The item codecs of the sync table: domain objects to items and back. They are pure (no I/O), and
 * exported beyond the store so that the DynamoDB Streams consumer decodes the items of stream images
 * exactly as the store reads them; the keys the items carry come from `keys.ts`.
 *
 * Attribute names are short because names count towards item size and request units, and a record of
 * a large dataset is stored twice (the BySyncCount index projects all attributes).
 *
 * Two layouts of a dataset (docs/decisions.md#small-datasets-live-in-one-item):
 * - single item: the head carries every record of the dataset, tombstones included, in one string
 *   attribute `r` (`encodeHeadRecords`), or deflated in `rz` (compressed-records.ts); their presence
 *   marks the layout;
 * - per record: one item per record (`encodeRecord`), listed through the BySyncCount index.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DatasetHead, IdentitySummary, RecordVersion, StoredRecord } from '../../domain/ports';
import { recordStorageBytes } from '../../domain/sizes';
import { COMPRESSED_RECORDS_ATTRIBUTE, inflateRecords } from './compressed-records';
import { TABLE_KEYS } from './table-schema';
import { bySyncCountSortKey, datasetOfHead, sortKey } from './keys';

/** An item as the document client reads and writes it. */
export type Item = Record<string, unknown>;

/** Largest string we put in one attribute: well under the 400 KB item limit with keys and metadata. */
export const PART_BYTES = 300_000;

/** The attributes of a head item; reads that need no record values project these. */
export const HEAD_ATTRIBUTES = [
  'SK',
  'syncCount',
  'deleted',
  'floor',
  'deletedAt',
  'created',
  'modified',
  'modifiedBy',
  'numRecords',
  'dataStorage',
  'pending',
] as const;

/** The head attribute holding a single-item dataset's records: present exactly in that layout. */
export const RECORDS_ATTRIBUTE = 'r';
/** The head attribute naming the device of the last UpdateRecords (its `DeviceId`), for the change feed. */
export const DEVICE_ATTRIBUTE = 'dev';
/**
 * A per-record head's bound on the bytes its records would take in a single item: when it falls to
 * half the threshold, the dataset is read whole and moved back into one item.
 */
export const SINGLE_ITEM_ESTIMATE_ATTRIBUTE = 'sb';
/**
 * A per-record head's converted-out mark: the sync count of the commit that moved its dataset out of
 * one item. A listing that reads the head before and after its index Query lists again when this
 * changed in between: the dataset moved into one item (deleting the record items the Query reads)
 * and out again, so the Query may have found none of them although the head is per record both times.
 */
export const CONVERTED_OUT_ATTRIBUTE = 'co';
/** Written-at: the commit that wrote a record item, when not its own sync count (a layout conversion). */
export const WRITTEN_AT_ATTRIBUTE = 'w';

/** What a conflict check reads of the summary and of records: everything but values. */
export const VERSION_ATTRIBUTES = [...HEAD_ATTRIBUTES, 'datasetCount', 'k', 'live', 'size', 'parts'] as const;

/** Splits a string into parts of at most `maxBytes` UTF-8 bytes, never inside a character. */
export function splitUtf8(value: string, maxBytes = PART_BYTES): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const parts: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    // Step back over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
    while (end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return parts;
}

/** The attributes of a head item that a commit sets (everything but its key and a commit mark). */
export function encodeHeadAttributes(head: DatasetHead): Item {
  return {
    syncCount: head.syncCount,
    deleted: head.deleted,
    floor: head.floor,
    deletedAt: head.deletedAtSyncCount,
    created: head.creationDate,
    modified: head.lastModifiedDate,
    modifiedBy: head.lastModifiedBy,
    numRecords: head.numRecords,
    dataStorage: head.dataStorage,
    // Always set, '' for none: a write without a DeviceId must not leave the previous writer's in place
    // (the change feed reads it as the device not to notify: stream-decoder.ts).
    [DEVICE_ATTRIBUTE]: head.lastDeviceId ?? '',
  };
}

export function decodeDatasetHead(item: Item): DatasetHead {
  return {
    name: datasetOfHead(item.SK as string),
    syncCount: Number(item.syncCount ?? 0),
    deleted: item.deleted === true,
    floor: Number(item.floor ?? 0),
    deletedAtSyncCount: Number(item.deletedAt ?? 0),
    creationDate: Number(item.created),
    lastModifiedDate: Number(item.modified),
    lastModifiedBy: String(item.modifiedBy ?? ''),
    numRecords: Number(item.numRecords ?? 0),
    dataStorage: Number(item.dataStorage ?? 0),
    ...(typeof item[DEVICE_ATTRIBUTE] === 'string' && item[DEVICE_ATTRIBUTE] !== '' && { lastDeviceId: item[DEVICE_ATTRIBUTE] }),
  };
}

export function decodeIdentitySummary(item: Item): IdentitySummary {
  return {
    datasetCount: Number(item.datasetCount ?? 0),
    dataStorage: Number(item.dataStorage ?? 0),
    ...(item.modified !== undefined ? { lastModifiedDate: Number(item.modified) } : {}),
  };
}

/**
 * A record's item. A value that needs `valueParts` > 0 parts is kept in value-part items
 * (`encodeValuePart`) rather than inline.
 */
export function encodeRecord(partition: string, dataset: string, record: StoredRecord, valueParts: number): Item {
  const { value } = record;
  const live = value !== undefined;
  return {
    PK: partition,
    SK: sortKey.record(dataset, record.key),
    [TABLE_KEYS.bySyncCountSortKey]: bySyncCountSortKey(dataset, record.syncCount),
    k: record.key,
    ...(live && valueParts === 0 ? { v: value } : {}),
    ...(valueParts > 0 ? { parts: valueParts } : {}),
    live,
    size: live ? Buffer.byteLength(record.key, 'utf8') + Buffer.byteLength(value, 'utf8') : 0,
    syncCount: record.syncCount,
    modified: record.lastModifiedDate,
    modifiedBy: record.lastModifiedBy,
    deviceModified: record.deviceLastModifiedDate,
  };
}

/** Part `i` of a large value, keyed by the sync count it is written at, so that it is never overwritten. */
export function encodeValuePart(partition: string, dataset: string, syncCount: number, key: string, i: number, data: string): Item {
  return { PK: partition, SK: sortKey.valuePart(dataset, syncCount, i, key), data };
}

/** How many value parts a record item refers to (0 when its value is inline or it is a tombstone). */
export const valuePartsOf = (recordItem: Item): number => Number(recordItem.parts ?? 0);

/** The sort keys of a record item's value parts, in order. */
export function valuePartKeysOf(dataset: string, recordItem: Item): string[] {
  return Array.from({ length: valuePartsOf(recordItem) }, (_, i) => sortKey.valuePart(dataset, Number(recordItem.syncCount), i, recordItem.k as string));
}

/** What the conflict check needs of a record item; its value parts ride along as `storage`. */
export function decodeRecordVersion(recordItem: Item): RecordVersion {
  return {
    key: recordItem.k as string,
    syncCount: Number(recordItem.syncCount),
    size: Number(recordItem.size ?? 0),
    live: recordItem.live === true,
    storage: valuePartsOf(recordItem),
  };
}

/**
 * A record from its item and, for a large value, the `data` of its value parts by sort key.
 * Undefined when a part is missing (a later commit replaced the value meanwhile).
 */
export function decodeRecord(dataset: string, recordItem: Item, valuePartData: ReadonlyMap<string, string>): StoredRecord | undefined {
  let value: string | undefined;
  if (recordItem.live === true) {
    if (valuePartsOf(recordItem) === 0) {
      value = recordItem.v as string;
    } else {
      const pieces: string[] = [];
      for (const partKey of valuePartKeysOf(dataset, recordItem)) {
        const piece = valuePartData.get(partKey);
        if (piece === undefined) return undefined;
        pieces.push(piece);
      }
      value = pieces.join('');
    }
  }
  return {
    key: recordItem.k as string,
    ...(value !== undefined ? { value } : {}),
    syncCount: Number(recordItem.syncCount),
    lastModifiedDate: Number(recordItem.modified),
    lastModifiedBy: recordItem.modifiedBy as string,
    ...(recordItem.deviceModified !== undefined ? { deviceLastModifiedDate: Number(recordItem.deviceModified) } : {}),
  };
}

// ---- the single-item layout ----

/**
 * Records of one commit share their sync count, date and author, so they are kept as groups:
 * `[syncCount, modified, modifiedBy, [[key, value | null, deviceDelta?], ...]]`, where null is a
 * tombstone and deviceDelta is `modified - deviceLastModifiedDate` (a few digits, not thirteen).
 * The per-record overhead is then about 7 bytes of JSON: the 1 KB write unit is spent on values.
 */
type RecordEntry = [key: string, value: string | null] | [key: string, value: string | null, deviceDelta: number];
type RecordGroup = [syncCount: number, modified: number, modifiedBy: string, entries: RecordEntry[]];

/** The `r` attribute of a single-item head: every record of the dataset, in one string. */
export function encodeHeadRecords(records: Iterable<StoredRecord>): string {
  const groups = new Map<string, RecordGroup>();
  for (const record of records) {
    const id = JSON.stringify([record.syncCount, record.lastModifiedDate, record.lastModifiedBy]);
    let group = groups.get(id);
    if (!group) {
      group = [record.syncCount, record.lastModifiedDate, record.lastModifiedBy, []];
      groups.set(id, group);
    }
    const value = record.value ?? null;
    group[3].push(
      record.deviceLastModifiedDate === undefined ? [record.key, value] : [record.key, value, record.lastModifiedDate - record.deviceLastModifiedDate],
    );
  }
  return JSON.stringify([...groups.values()]);
}

/** The records of an `r` attribute (encodeHeadRecords), in no particular order. */
export function decodeHeadRecords(encoded: string): StoredRecord[] {
  const groups = JSON.parse(encoded) as RecordGroup[];
  return groups.flatMap(([syncCount, modified, modifiedBy, entries]) =>
    entries.map(([key, value, deviceDelta]) => ({
      key,
      ...(value !== null ? { value } : {}),
      syncCount,
      lastModifiedDate: modified,
      lastModifiedBy: modifiedBy,
      ...(deviceDelta !== undefined ? { deviceLastModifiedDate: modified - deviceDelta } : {}),
    })),
  );
}

/** True when a head item holds its dataset's records itself (the single-item layout), as they are or deflated. */
export const isSingleItemHead = (headItem: Item): boolean =>
  typeof headItem[RECORDS_ATTRIBUTE] === 'string' || headItem[COMPRESSED_RECORDS_ATTRIBUTE] !== undefined;

/**
 * The records a single-item head holds, from the head as the store reads it or as a DynamoDB stream
 * image carries it (attribute values, `NewImage`); with `syncCount`, only those committed at that
 * count (what one UpdateRecords wrote). Undefined for a head of the per-record layout, whose records
 * are items of their own. Pure: the change feed reads a commit's records from its image, without a read.
 */
export function recordsOfHeadImage(image: Item | Record<string, AttributeValue>, syncCount?: number): StoredRecord[] | undefined {
  const encoded = image[RECORDS_ATTRIBUTE];
  // A document-client item carries a string; a stream image an attribute value `{ S }`. Deflated
  // records (`rz`, compressed-records.ts) are bytes, base64 or `{ B }` likewise.
  const text = typeof encoded === 'string' ? encoded : ((encoded as AttributeValue | undefined)?.S ?? inflateRecords(image[COMPRESSED_RECORDS_ATTRIBUTE]));
  if (text === undefined) return undefined;
  const records = decodeHeadRecords(text);
  return syncCount === undefined ? records : records.filter((record) => record.syncCount === syncCount);
}

/** What the conflict check needs of a record held by a single-item head. */
export const versionOfHeadRecord = (record: StoredRecord): RecordVersion => ({
  key: record.key,
  syncCount: record.syncCount,
  size: recordStorageBytes(record.key, record.value),
  live: record.value !== undefined,
  storage: 0,
});
