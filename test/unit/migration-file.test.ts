/**
 * The export file (lambdas/migration/file): a round trip through a file of a 1 MB dataset and of
 * unicode, line offsets across read chunks, and the strict parser's line-numbered refusals.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport } from '../../lambdas/migration/file/export';
import { openFileSource } from '../../lambdas/migration/file/file-source';
import { readLineAt, readLines } from '../../lambdas/migration/file/lines';
import type { DatasetSnapshot, DatasetSource, MigratedRecord, PoolConfiguration } from '../../lambdas/migration/model';

const POOL = 'us-east-1:00000000-0000-0000-0000-000000000001';
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'migration-file-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const record = (key: string, syncCount: number, value?: string): MigratedRecord => ({
  key,
  ...(value !== undefined ? { value } : {}),
  syncCount,
  lastModifiedDate: 1_700_000_000_000 + syncCount,
  lastModifiedBy: 'us-east-1:someone',
});

const dataset = (identityId: string, datasetName: string, records: MigratedRecord[], extra: Partial<DatasetSnapshot> = {}): DatasetSnapshot => ({
  identityPoolId: POOL,
  identityId,
  datasetName,
  syncCount: Math.max(0, ...records.map((r) => r.syncCount)),
  creationDate: 1_600_000_000_000,
  lastModifiedDate: 1_700_000_000_999,
  lastModifiedBy: '123456789012',
  records,
  ...extra,
});

function memorySource(snapshots: DatasetSnapshot[], configurations: PoolConfiguration[]): DatasetSource {
  return {
    async *listIdentities() {
      yield* new Set(snapshots.map((s) => s.identityId));
    },
    async listDatasets(_pool, identity) {
      return snapshots.filter((s) => s.identityId === identity).map((s) => ({ ...s, numRecords: 0, dataStorage: 0 }));
    },
    async readDataset(at) {
      return snapshots.find((s) => s.identityId === at.identityId && s.datasetName === at.datasetName);
    },
    async readPoolConfiguration(pool) {
      return configurations.find((c) => c.identityPoolId === pool);
    },
  };
}

// 1,024 records of 1 KB less their key: about 1 MB of values, multi-byte characters included, so
// the line spans many 64 KB read chunks and some characters straddle chunk boundaries.
const large = dataset(
  'us-east-1:large',
  'large',
  Array.from({ length: 1024 }, (_, i) => record(`k${i}`, 1 + (i % 7), `${'\u00e9\u{1F600}'.repeat(150)}${'x'.repeat(100)}`)),
  { deletedAtSyncCount: 1 },
);
const small = dataset('us-east-1:small', 'caf\u00e9 \u65E5\u672C', [
  record('\u{1F600}', 1, 'v'),
  record('gone', 2),
  { ...record('d', 2, ''), deviceLastModifiedDate: -5 },
]);
const configuration: PoolConfiguration = {
  identityPoolId: POOL,
  pushSync: { ApplicationArns: [], RoleArn: 'arn:aws:iam::1:role/r' },
  cognitoEvents: { SyncTrigger: 'arn' },
};

describe('export file round trip', () => {
  it('reads back every dataset and configuration equal, a 1 MB dataset and unicode included', async () => {
    const out = join(directory, 'round-trip.jsonl');
    const summary = await runExport({ source: memorySource([large, small], [configuration]), pools: [POOL], out, now: () => new Date(0) });
    expect(summary).toMatchObject({ pools: 1, identities: 2, datasets: 2, records: 1027 });
    expect(summary.bytes).toBeGreaterThan(1_000_000);
    const file = await openFileSource(out);
    expect(file.header).toEqual({ format: 'open-cognito-sync-export', version: 1, exportedAt: '1970-01-01T00:00:00.000Z' });
    expect(file.pools).toEqual([POOL]);
    expect(await file.readDataset(large)).toEqual(large);
    expect(await file.readDataset(small)).toEqual(small);
    expect(await file.readDataset({ ...small, datasetName: 'other' })).toBeUndefined();
    expect(await file.readPoolConfiguration(POOL)).toEqual(configuration);
    // Listings count live records and their UTF-8 bytes, as the service does.
    expect(await file.listDatasets(POOL, small.identityId)).toEqual([expect.objectContaining({ numRecords: 2, dataStorage: 4 + 1 + 1 })]);
  });

  it('gives each line its byte offset, so that it reads again on its own', async () => {
    const path = join(directory, 'lines.txt');
    const lines = ['first', '\u00e9'.repeat(70_000), '', '\u{1F600} last'];
    await writeFile(path, `${lines.join('\n')}\n`);
    const read = [];
    for await (const line of readLines(path)) read.push(line);
    expect(read.map((l) => l.text)).toEqual(lines);
    for (const line of read) expect(await readLineAt(path, line.offset, line.length)).toBe(line.text);
  });
});

describe('a damaged export file', () => {
  const header = '{"format":"open-cognito-sync-export","version":1,"exportedAt":"2026-01-01T00:00:00.000Z"}';
  const line = (d: unknown) => JSON.stringify({ type: 'dataset', ...(d as object) });
  const end = (pools: number, datasets: number) => `{"type":"end","pools":${pools},"datasets":${datasets}}`;
  const refused = async (lines: string[], error: RegExp) => {
    const path = join(directory, 'damaged.jsonl');
    await writeFile(path, `${lines.join('\n')}\n`);
    await expect(openFileSource(path)).rejects.toThrow(error);
  };

  it.each([
    ['an empty file', [], /damaged\.jsonl:1: the file is empty|:1: an empty line/],
    ['an empty line', [header, '', end(0, 0)], /:2: an empty line/],
    ['an unknown type', [header, '{"type":"identity"}', end(0, 0)], /:2: "type" must be "pool", "dataset" or "end", not "identity"/],
    ['an unknown member', [header, line({ ...small, extra: 1 }), end(0, 1)], /:2: dataset: unknown member "extra"/],
    [
      'a record key twice',
      [header, line({ ...small, records: [small.records[0], small.records[0]] }), end(0, 1)],
      /:2: dataset: record key "😀" appears twice/,
    ],
    [
      'a record above the dataset count',
      [header, line({ ...small, syncCount: 1 }), end(0, 1)],
      /:2: dataset: record "gone" has sync count 2, above the dataset's 1/,
    ],
    [
      'a record without a key',
      [header, line({ ...small, records: [{ syncCount: 1, lastModifiedDate: 1, lastModifiedBy: '' }] }), end(0, 1)],
      /:2: record 1: "key" must be a string/,
    ],
    [
      'a dataset twice',
      [header, line(small), line(small), end(0, 2)],
      /:3: dataset 'café 日本' of identity 'us-east-1:small' appears twice \(first on line 2\)/,
    ],
    ['an end line with other counts', [header, line(small), end(0, 2)], /:3: the end line counts 0 pools and 2 datasets, the file holds 0 and 1/],
    ['a line after the end', [header, end(0, 0), line(small)], /:3: a line after the end line \(line 2\)/],
    ['a header that is not JSON', ['format: open-cognito-sync-export', end(0, 0)], /:1: not valid JSON/],
  ])('%s', async (_what, lines, error) => {
    await refused(lines, error);
  });

  it('an export is complete only once renamed: a failed one leaves no file', async () => {
    const out = join(directory, 'failed.jsonl');
    const source = memorySource([small], []);
    const failing: DatasetSource = {
      ...source,
      readDataset: async () => {
        throw new Error('source unreachable');
      },
    };
    await expect(runExport({ source: failing, pools: [POOL], out })).rejects.toThrow('source unreachable');
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFile(`${out}.partial`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
