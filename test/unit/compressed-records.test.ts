/**
 * A single-item head's records, deflated when that makes the item smaller (compressed-records.ts):
 * which attribute a commit writes, that every way of reading a head (document client, stream image
 * as the SDK and as Lambda's JSON event carry it, heads written before compression) gets the same
 * records back, and that the threshold sees the size as stored.
 */
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { recordKey, recordValue } from '../../bench/dataset-values';
import { COMPRESSED_RECORDS_ATTRIBUTE, recordsAttribute } from '../../lambdas/src/adapters/dynamodb/compressed-records';
import { encodeHeadRecords, isSingleItemHead, recordsOfHeadImage } from '../../lambdas/src/adapters/dynamodb/items';
import { headItemBytes, headWrite } from '../../lambdas/src/adapters/dynamodb/single-item';
import type { DatasetHead, StoredRecord } from '../../lambdas/src/domain/ports';

const at = 1_764_400_000_000;
const appState = (n: number): StoredRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    key: recordKey(i),
    value: recordValue('app-state', i, 0, 100 - recordKey(i).length),
    syncCount: 1 + (i % 3),
    lastModifiedDate: at + (i % 3),
    lastModifiedBy: 'us-east-1:me',
    ...(i % 2 === 0 ? { deviceLastModifiedDate: at - 1000 } : {}),
  }));
const withTombstone = (records: StoredRecord[]): StoredRecord[] => [...records, { key: 'gone', syncCount: 4, lastModifiedDate: at + 9, lastModifiedBy: 'me' }];
const head: DatasetHead = {
  name: 'settings',
  syncCount: 4,
  deleted: false,
  floor: 0,
  deletedAtSyncCount: 0,
  creationDate: at,
  lastModifiedDate: at + 9,
  lastModifiedBy: 'us-east-1:me',
  numRecords: 20,
  dataStorage: 2000,
};
const byKey = (records: readonly StoredRecord[]) => [...records].sort((a, b) => a.key.localeCompare(b.key));

describe('the records attribute a commit writes', () => {
  it('deflates 2 KB of app state into rz, well under half the JSON, and removes r', () => {
    const records = withTombstone(appState(20));
    const json = encodeHeadRecords(records);
    const stored = recordsAttribute(json);
    expect(stored.name).toBe(COMPRESSED_RECORDS_ATTRIBUTE);
    expect(stored.value.length).toBeLessThan(Buffer.byteLength(json) / 2);
    const write = headWrite(head, { records });
    expect(write.set.r).toBeUndefined();
    expect(write.set.rz).toBeInstanceOf(Uint8Array);
    expect(write.remove).toEqual(['r', 'sb', 'co']);
  });

  it('keeps r as it is when deflating saves nothing (a short value without repeats, a deleted dataset)', () => {
    // 40 characters without repeats: DEFLATE's codes cost more than they save on so little.
    const random = [{ key: 'a', value: 'Kq7#vX2m!Rz9pL4@wT8n$Yb3cF6&hJ1dG5*sN0e', syncCount: 1, lastModifiedDate: 1_764_412_953_817, lastModifiedBy: 'me' }];
    expect(headWrite(head, { records: random }).set.r).toBe(encodeHeadRecords(random));
    const deleted = headWrite({ ...head, deleted: true }, { records: [] });
    expect(deleted.set.r).toBe('[]');
    expect(deleted.remove).toContain(COMPRESSED_RECORDS_ATTRIBUTE);
  });

  it('per record: neither attribute stays', () => {
    const write = headWrite(head, { estimate: 20_000 });
    expect(write.remove).toEqual(expect.arrayContaining(['r', COMPRESSED_RECORDS_ATTRIBUTE]));
    expect(Object.keys(write.set)).not.toContain(COMPRESSED_RECORDS_ATTRIBUTE);
  });

  it('the threshold sees the item as stored: the deflated size, names and all', () => {
    const records = appState(20);
    const write = headWrite(head, { records });
    const stored = headItemBytes('I#p#i', 'settings', write);
    const plain = headItemBytes('I#p#i', 'settings', { set: { ...write.set, rz: undefined, r: encodeHeadRecords(records) }, remove: [] });
    expect(stored).toBe(plain - Buffer.byteLength(encodeHeadRecords(records)) - 'r'.length + (write.set.rz as Uint8Array).length + 'rz'.length);
    expect(stored).toBeLessThan(2048);
  });
});

describe('reading deflated records back', () => {
  const records = withTombstone(appState(20));
  const item = { PK: 'I#p#i', SK: 'D#settings', syncCount: 4, ...headWrite(head, { records }).set };

  it('from the document client, a stream image, and a stream image through Lambda (base64 JSON)', () => {
    expect(isSingleItemHead(item)).toBe(true);
    expect(byKey(recordsOfHeadImage(item) ?? [])).toEqual(byKey(records));
    const image = marshall(item, { removeUndefinedValues: true });
    expect(byKey(recordsOfHeadImage(image) ?? [])).toEqual(byKey(records));
    // Lambda hands the stream consumer JSON: binary values arrive as base64 strings.
    const lambdaImage = JSON.parse(JSON.stringify(image, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
    expect(byKey(recordsOfHeadImage(unmarshall(lambdaImage)) ?? [])).toEqual(byKey(records));
    expect(byKey(recordsOfHeadImage(lambdaImage, 4) ?? [])).toEqual([records[records.length - 1]]);
  });

  it('a head written before compression (plain r) reads as before', () => {
    const legacy = { PK: 'I#p#i', SK: 'D#settings', syncCount: 4, r: encodeHeadRecords(records) };
    expect(isSingleItemHead(legacy)).toBe(true);
    expect(byKey(recordsOfHeadImage(legacy) ?? [])).toEqual(byKey(records));
  });
});
