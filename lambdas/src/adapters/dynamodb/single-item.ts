/**
 * The single-item layout's pure steps (docs/decisions.md#small-datasets-live-in-one-item): a commit's
 * writes over the records a head holds, the head's attributes in either layout, the size that decides
 * the layout, and a page of a ListRecords out of the head's records.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DatasetHead, RecordVersion, StoredRecord } from '../../domain/ports';
import { utf8Length } from '../../domain/sizes';
import { COMPRESSED_RECORDS_ATTRIBUTE, recordsAttribute } from './compressed-records';
import { itemSize } from './item-size';
import { CONVERTED_OUT_ATTRIBUTE, encodeHeadAttributes, encodeHeadRecords, RECORDS_ATTRIBUTE, SINGLE_ITEM_ESTIMATE_ATTRIBUTE, type Item } from './items';
import { bySyncCountSortKey, sortKey } from './keys';

/**
 * The default threshold (config.ts `storage.singleItemMaxBytes`): a dataset lives in one item while
 * that item weighs at most this many bytes (DynamoDB's item size: names and values). The arithmetic
 * is in docs/decisions.md: rewriting the item costs 1 WRU per KB, against about 2 + 6 WRU per changed
 * record in the per-record layout (a transaction of head and records, and two index writes per
 * record), so one item is cheaper up to ~8 KB when one record changes, ~14 KB for two, ~32 KB for
 * five; reads and storage favour it further.
 */
export { DEFAULT_SINGLE_ITEM_MAX_BYTES } from '../../config';

/**
 * An upper bound of what one record adds to a single item besides its key and value: its entry, and
 * its own group (sync count, dates, author) when it shares it with no other record.
 */
const RECORD_OVERHEAD_BOUND = 96;

/** The records after a commit: `writes` replace the records of their keys, the rest stay. */
export function applyWrites(records: readonly StoredRecord[], writes: readonly StoredRecord[]): StoredRecord[] {
  const byKey = new Map(records.map((record) => [record.key, record]));
  for (const write of writes) byKey.set(write.key, write);
  return [...byKey.values()];
}

/** What a commit sets and removes on a head item. */
export interface HeadWrite {
  readonly set: Item;
  readonly remove: readonly string[];
}

export interface HeadLayout {
  /** The single-item layout: every record of the dataset. Absent: the per-record layout. */
  readonly records?: readonly StoredRecord[];
  /** Per-record layout: the bound on the single-item size, for converting back. */
  readonly estimate?: number;
  /** Per-record layout, a commit that moves the dataset out of one item: its sync count (items.ts `CONVERTED_OUT_ATTRIBUTE`). */
  readonly convertedOut?: number;
}

export function headWrite(head: DatasetHead, layout: HeadLayout): HeadWrite {
  const set: Item = { ...encodeHeadAttributes(head) };
  const remove: string[] = [];
  if (layout.records) {
    // As they are or deflated, whichever is smaller; the other attribute goes (a head holds one).
    const stored = recordsAttribute(encodeHeadRecords(layout.records));
    set[stored.name] = stored.value;
    remove.push(stored.name === RECORDS_ATTRIBUTE ? COMPRESSED_RECORDS_ATTRIBUTE : RECORDS_ATTRIBUTE);
  } else remove.push(RECORDS_ATTRIBUTE, COMPRESSED_RECORDS_ATTRIBUTE);
  if (layout.estimate !== undefined && !layout.records) set[SINGLE_ITEM_ESTIMATE_ATTRIBUTE] = layout.estimate;
  else remove.push(SINGLE_ITEM_ESTIMATE_ATTRIBUTE);
  // Kept by the per-record commits after the one that set it (neither sets nor removes it).
  if (layout.convertedOut !== undefined && !layout.records) set[CONVERTED_OUT_ATTRIBUTE] = layout.convertedOut;
  else if (layout.records) remove.push(CONVERTED_OUT_ATTRIBUTE);
  return { set, remove };
}

/**
 * The size DynamoDB bills for the head item `write` leaves (without a commit mark): with its records
 * as stored (deflated when smaller), so the threshold is on what the item weighs, not on the JSON.
 */
export const headItemBytes = (partition: string, dataset: string, write: HeadWrite): number =>
  itemSize(marshall({ PK: partition, SK: sortKey.head(dataset), ...write.set }, { removeUndefinedValues: true }));

/** A record's share of the single-item estimate. */
const recordEstimate = (key: string, value: string | undefined): number =>
  utf8Length(key) + (value === undefined ? 0 : utf8Length(value)) + RECORD_OVERHEAD_BOUND;
const versionEstimate = (version: RecordVersion): number => (version.live ? version.size : utf8Length(version.key)) + RECORD_OVERHEAD_BOUND;

/** The head's own attributes, bounded: what a single item weighs with no records. */
const HEAD_BYTES_BOUND = 512;

/**
 * The single-item estimate after a per-record commit: the head's previous one, or, on a head written
 * before estimates existed, one from its live records (tombstones unknown: the exact size is measured
 * before any conversion), moved by what the writes replace.
 */
export function nextEstimate(
  previous: number | undefined,
  before: DatasetHead | undefined,
  writes: readonly StoredRecord[],
  replaced: (key: string) => RecordVersion | undefined,
): number {
  let estimate = previous ?? HEAD_BYTES_BOUND + (before && !before.deleted ? before.dataStorage + before.numRecords * RECORD_OVERHEAD_BOUND : 0);
  for (const write of writes) {
    const old = replaced(write.key);
    estimate += recordEstimate(write.key, write.value) - (old ? versionEstimate(old) : 0);
  }
  return estimate;
}

/** Where a listing stands: the last record returned, as the BySyncCount index's key would name it. */
export interface ListingPosition {
  readonly PK: string;
  readonly SK: string;
  readonly LSK: string;
}

const compareBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * A page of a ListRecords from a single-item head: the records stamped above `afterSyncCount`, in
 * the order the BySyncCount index lists them (sync count, then sort key), after `from` when given.
 * The position is the index's key of the last record, so a listing continues across a conversion.
 */
export function pageOfHeadRecords(
  partition: string,
  dataset: string,
  records: readonly StoredRecord[],
  afterSyncCount: number,
  limit: number,
  from?: ListingPosition,
): { records: StoredRecord[]; next?: ListingPosition } {
  const positioned = records
    .filter((record) => record.syncCount > afterSyncCount)
    .map((record) => ({ record, LSK: bySyncCountSortKey(dataset, record.syncCount), SK: sortKey.record(dataset, record.key) }))
    .sort((a, b) => compareBytes(a.LSK, b.LSK) || compareBytes(a.SK, b.SK));
  const remaining = from ? positioned.filter((p) => compareBytes(p.LSK, from.LSK) > 0 || (p.LSK === from.LSK && compareBytes(p.SK, from.SK) > 0)) : positioned;
  const page = remaining.slice(0, limit);
  const last = page[page.length - 1];
  return {
    records: page.map((p) => p.record),
    ...(remaining.length > limit ? { next: { PK: partition, SK: last.SK, LSK: last.LSK } } : {}),
  };
}
