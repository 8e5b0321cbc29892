/**
 * The single-item layout's codec (adapters/dynamodb/items.ts) and pure steps (single-item.ts): the
 * records a head holds, read back as the store reads them and as a DynamoDB stream image carries them
 * (the change feed decodes a commit's records from its NEW_IMAGE), and ListRecords pages out of them.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { decodeHeadRecords, encodeHeadRecords, recordsOfHeadImage } from '../../lambdas/src/adapters/dynamodb/items';
import { headWrite, pageOfHeadRecords } from '../../lambdas/src/adapters/dynamodb/single-item';
import type { DatasetHead, StoredRecord } from '../../lambdas/src/domain/ports';

const at = 1_764_400_000_000;
const records: StoredRecord[] = [
  { key: 'a', value: '1', syncCount: 1, lastModifiedDate: at, lastModifiedBy: 'us-east-1:me' },
  { key: 'b', syncCount: 2, lastModifiedDate: at + 5, lastModifiedBy: 'us-east-1:me' },
  { key: 'c', value: 'é€"\\', syncCount: 2, lastModifiedDate: at + 5, lastModifiedBy: 'us-east-1:me', deviceLastModifiedDate: at - 60_000 },
  { key: 'd', value: '', syncCount: 3, lastModifiedDate: at + 9, lastModifiedBy: '123456789012', deviceLastModifiedDate: at + 10 },
];

const head: DatasetHead = {
  name: 'settings',
  syncCount: 3,
  deleted: false,
  floor: 0,
  deletedAtSyncCount: 0,
  creationDate: at,
  lastModifiedDate: at + 9,
  lastModifiedBy: '123456789012',
  numRecords: 3,
  dataStorage: 12,
};

const sorted = (list: readonly StoredRecord[]) => [...list].sort((x, y) => x.key.localeCompare(y.key));

describe('the records of a single-item head', () => {
  it('round-trip: values, tombstones, empty values, dates, authors and device dates (before and after the server date)', () => {
    expect(sorted(decodeHeadRecords(encodeHeadRecords(records)))).toEqual(records);
  });

  it('group the records of one commit: about 7 bytes of overhead per record besides key and value', () => {
    const many = Array.from(
      { length: 20 },
      (_, i): StoredRecord => ({
        key: `key-${String(i).padStart(4, '0')}`,
        value: 'x'.repeat(91),
        syncCount: 7,
        lastModifiedDate: at,
        lastModifiedBy: 'us-east-1:11111111-2222-3333-4444-555555555555',
      }),
    );
    const encoded = encodeHeadRecords(many);
    expect(Buffer.byteLength(encoded) - 20 * 100).toBeLessThanOrEqual(20 * 7 + 80);
  });

  it("decode from a stream image (attribute values) as from a document-client item, and only a commit's records when asked", () => {
    const item = { PK: 'I#p#i', SK: 'D#settings', syncCount: 3, r: encodeHeadRecords(records), dev: 'device-1' };
    const image = marshall(item);
    expect(sorted(recordsOfHeadImage(item) ?? [])).toEqual(records);
    expect(sorted(recordsOfHeadImage(image) ?? [])).toEqual(records);
    expect(sorted(recordsOfHeadImage(image, 2) ?? [])).toEqual([records[1], records[2]]);
    expect(recordsOfHeadImage(image, 4)).toEqual([]);
  });

  it('are absent from a head of the per-record layout', () => {
    expect(recordsOfHeadImage(marshall({ PK: 'I#p#i', SK: 'D#settings', syncCount: 3 }))).toBeUndefined();
    expect(recordsOfHeadImage({ PK: 'I#p#i', SK: 'D#settings', syncCount: 3 })).toBeUndefined();
  });
});

describe('the head a commit writes', () => {
  it('sets the device of the last UpdateRecords, empty when it named none, so a stale one never stays', () => {
    expect(headWrite({ ...head, lastDeviceId: 'device-1' }, { records }).set.dev).toBe('device-1');
    expect(headWrite(head, { records }).set.dev).toBe('');
  });

  it('per record: no records attribute (removed), a single-item bound instead', () => {
    const write = headWrite(head, { estimate: 20_000 });
    expect(write.set.r).toBeUndefined();
    expect(write.set.sb).toBe(20_000);
    expect(write.remove).toContain('r');
  });
});

describe('a ListRecords page out of a single-item head', () => {
  it('lists the records above the sync count in the index order (sync count, then sort key), a page at a time', () => {
    const first = pageOfHeadRecords('I#p#i', 'settings', records, 1, 2);
    expect(first.records.map((r) => r.key)).toEqual(['b', 'c']);
    expect(first.next).toEqual({ PK: 'I#p#i', SK: 'R#settings#=c', LSK: 'settings#00000000000000000002' });
    const second = pageOfHeadRecords('I#p#i', 'settings', records, 1, 2, first.next);
    expect(second.records.map((r) => r.key)).toEqual(['d']);
    expect(second.next).toBeUndefined();
    expect(pageOfHeadRecords('I#p#i', 'settings', records, 3, 10).records).toEqual([]);
  });
});
