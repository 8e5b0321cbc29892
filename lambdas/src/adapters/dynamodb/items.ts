/**
 * The item codecs of the sync table: domain objects to items and back. They are pure (no I/O), and
 * exported beyond the store so that the DynamoDB Streams consumer decodes the items of stream images
 * exactly as the store reads them; the keys the items carry come from `keys.ts`.
 *
 * Attribute names are short because every record is stored twice (the BySyncCount index projects
 * all attributes) and names count towards item size and request units.
 */
import type { DatasetHead, IdentitySummary, RecordVersion, StoredRecord } from '../../domain/ports';
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
    // (the change feed reads it as the device not to notify: stream-decoder.ts HEAD_DEVICE_ATTRIBUTE).
    dev: head.lastDeviceId ?? '',
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
    ...(typeof item.dev === 'string' && item.dev !== '' && { lastDeviceId: item.dev }),
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
