/**
 * The migration's source side end to end (issue 13): a local endpoint populated through the public
 * API, read back by the endpoint source (lambdas/migration/source), exported to a file, read from
 * the file, imported into another table, and verified; a damaged file; a throttling source.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoSyncClient, SetIdentityPoolConfigurationCommand } from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport } from '../../lambdas/migration/file/export';
import { openFileSource } from '../../lambdas/migration/file/file-source';
import { ExportFileError } from '../../lambdas/migration/file/format';
import { runImport } from '../../lambdas/migration/file/import';
import { directCall, retryingCall } from '../../lambdas/migration/source/call';
import { createEndpointSource, type EndpointSource } from '../../lambdas/migration/source/endpoint-source';
import { TableTarget } from '../../lambdas/migration/target/table-target';
import { verifyMigration } from '../../lambdas/migration/verify';
import { type FreshTable, freshTable } from '../helpers/dynamodb-local';
import { localEndpointSource } from '../helpers/endpoint-source';
import { type AwsCredentials, type Endpoint, startEndpoint } from '../helpers/local-endpoint';
import { AppDataset } from '../helpers/app-dataset';
import { startThrottlingProxy } from '../helpers/throttling-proxy';

let endpoint: Endpoint;
let source: EndpointSource;
let directory: string;
const clients: CognitoSyncClient[] = [];
const tables: FreshTable[] = [];

const syncClient = (credentials: AwsCredentials): CognitoSyncClient => {
  const client = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
};

let pools: string[];
let live: AppDataset[];
let deleted: AppDataset;
let recreated: AppDataset;
let large: AppDataset;
let huge: AppDataset;
let emptyIdentity: string;
const PUSH = { ApplicationArns: ['arn:aws:sns:us-east-1:123456789012:app/GCM/game'], RoleArn: 'arn:aws:iam::123456789012:role/push' };

beforeAll(async () => {
  endpoint = await startEndpoint();
  directory = await mkdtemp(join(tmpdir(), 'migration-source-'));
  pools = [await endpoint.createIdentityPool('first'), await endpoint.createIdentityPool('second')];
  const [a, b, c] = [await endpoint.newIdentity(pools[0]), await endpoint.newIdentity(pools[0]), await endpoint.newIdentity(pools[1])];
  emptyIdentity = (await endpoint.newIdentity(pools[1])).identityId;
  const developer = syncClient(endpoint.developerCredentials);
  const dataset = (identity: typeof a, datasetName: string, client = syncClient(identity.credentials)) =>
    new AppDataset(client, { identityPoolId: identity.identityPoolId, identityId: identity.identityId, datasetName });

  // Tombstones, a device date, unicode keys and values.
  const settings = dataset(a, 'settings');
  await settings.update([
    ['volume', '7'],
    ['caf\u00e9', 'cr\u00e8me'],
    ['\u{1F600} key', '\u65E5\u672C\u8A9E \u{1F30D}', new Date(1_600_000_000_123)],
    ['gone', 'soon'],
  ]);
  await settings.update([
    ['gone', null],
    ['volume', '8'],
  ]);
  // A dataset deleted and re-created: its records from before the deletion never come back.
  recreated = dataset(a, 'recreated');
  await recreated.update([['old', 'incarnation']]);
  await recreated.update([['older', 'still']]);
  await recreated.delete();
  await recreated.update([['new', 'incarnation']]);
  // Deleted, not re-created: not listed, read as absent.
  deleted = dataset(a, 'deleted');
  await deleted.update([['x', 'y']]);
  await deleted.delete();
  // 1,024 live records and tombstones beyond them: more records than one ListRecords page holds.
  large = dataset(b, 'large');
  await large.update(Array.from({ length: 1024 }, (_, i) => [`k${String(i).padStart(4, '0')}`, `v${i}`] as const));
  await large.update(Array.from({ length: 4 }, (_, i) => [`k${String(i).padStart(4, '0')}`, null] as const));
  await large.update(Array.from({ length: 4 }, (_, i) => [`extra-${i}`, `e${i}`] as const));
  // Written by the developer: LastModifiedBy is the account.
  const byDeveloper = dataset(c, 'merged.us-east-1:00000000-0000-0000-0000-000000000000', developer);
  await byDeveloper.update([['from', 'developer']]);
  // A 1 MB dataset (the service's limit, in UTF-8 bytes of keys and values), multi-byte characters included.
  huge = dataset(c, 'huge');
  await huge.update(Array.from({ length: 16 }, (_, i) => [`part-${i}`, `${'\u00e9'.repeat(16_000)}${'x'.repeat(32_000)}`] as const));
  live = [settings, recreated, large, byDeveloper, huge];

  await developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pools[0], PushSync: PUSH }));
  source = localEndpointSource(endpoint);
}, 120_000);

afterAll(async () => {
  source?.close();
  for (const c of clients) c.destroy();
  for (const t of tables) t.client.destroy();
  await endpoint?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

describe('the endpoint source', () => {
  it('reads every dataset exactly: counts, dates, authors, values, tombstones, device dates, unicode keys', async () => {
    for (const dataset of live) {
      expect(await source.readDataset(dataset.address)).toEqual(await dataset.expected());
    }
  });

  it('reads a dataset again when an app writes to it during the read, so the snapshot is one state', async () => {
    const dataset = live[0];
    let wrote = false;
    const writingDuringRead = createEndpointSource({
      region: endpoint.region,
      endpoint: endpoint.url,
      credentials: endpoint.developerCredentials,
      // The hook sees every request: after the first page of records, the app syncs.
      call: async (operation, attempt) => {
        const answer = await attempt();
        if (operation === 'ListRecords' && !wrote) {
          wrote = true;
          await dataset.update([['during', 'the read']]);
        }
        return answer;
      },
    });
    try {
      const snapshot = await writingDuringRead.readDataset(dataset.address);
      expect(wrote).toBe(true);
      expect(snapshot).toEqual(await dataset.expected());
      expect(snapshot?.records.map((r) => r.key)).toContain('during');
    } finally {
      writingDuringRead.close();
    }
  });

  it('finds the count at which a re-created dataset was deleted, and none for one never deleted', async () => {
    expect((await source.readDataset(recreated.address))?.deletedAtSyncCount).toBe(2);
    expect((await source.readDataset(live[0].address))?.deletedAtSyncCount).toBeUndefined();
  });

  it('reads the 1,024-record dataset over more than one ListRecords page', async () => {
    const snapshot = await source.readDataset(large.address);
    expect(snapshot?.records).toHaveLength(1028);
    expect(snapshot?.records.filter((r) => r.value === undefined)).toHaveLength(4);
  });

  it('reads a deleted dataset as absent, and lists neither it nor datasets of other identities', async () => {
    expect(await source.readDataset(deleted.address)).toBeUndefined();
    const names = (await source.listDatasets(pools[0], deleted.address.identityId)).map((d) => d.datasetName).sort();
    expect(names).toEqual(['recreated', 'settings']);
  });

  it('lists the pools and every identity of a pool, one without data included', async () => {
    expect(await collect(source.listIdentityPools())).toEqual(expect.arrayContaining(pools));
    expect((await collect(source.listIdentities(pools[0]))).sort()).toEqual([live[0].address.identityId, large.address.identityId].sort());
    expect(await collect(source.listIdentities(pools[1]))).toContain(emptyIdentity);
  });

  it("reads a pool's configuration, and none for an unknown pool", async () => {
    expect(await source.readPoolConfiguration(pools[0])).toEqual({ identityPoolId: pools[0], pushSync: PUSH });
    expect(await source.readPoolConfiguration(pools[1])).toEqual({ identityPoolId: pools[1] });
    expect(await source.readPoolConfiguration('us-east-1:99999999-9999-9999-9999-999999999999')).toBeUndefined();
  });
});

describe('export, import and verify', () => {
  it('export to a file, read it back equal, import it into another table, and verify zero differences both ways', async () => {
    const out = join(directory, 'backup.jsonl');
    const exported = await runExport({ source, pools, out });
    expect(exported).toMatchObject({ pools: 2, identities: 4, datasets: 5, records: live.reduce((n, d) => n + d.records.size, 0) });

    const lines = (await readFile(out, 'utf8')).split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({ format: 'open-cognito-sync-export', version: 1 });
    expect(lines).toHaveLength(2 + 2 + 5 + 1); // header, 2 pools, 5 datasets, end, and the final newline

    const file = await openFileSource(out);
    expect(await verifyMigration(source, file, pools)).toMatchObject({ datasets: 5, differenceCount: 0 });

    const table = await freshTable('migration-import');
    tables.push(table);
    const target = new TableTarget({ client: table.client, tableName: table.tableName });
    expect(await runImport({ in: out, target })).toMatchObject({ datasets: 5, written: 5, unchanged: 0, conflicts: [] });
    expect(await verifyMigration(source, target, pools)).toMatchObject({ datasets: 5, differenceCount: 0 });
    // Imported again (a second run, or after a kill): nothing is written twice.
    expect(await runImport({ in: out, target })).toMatchObject({ written: 0, unchanged: 5 });

    // An app writes on the source afterwards: verify sees it.
    await live[0].update([['volume', '9']]);
    const after = await verifyMigration(source, target, pools);
    expect(after.differencesByField).toEqual({ syncCount: 1, lastModifiedDate: 1, 'record.syncCount': 1, 'record.value': 1, 'record.lastModifiedDate': 1 });
  });

  it('a damaged file is refused with its line, and importing it writes nothing', async () => {
    const out = join(directory, 'damaged.jsonl');
    await runExport({ source, pools: [pools[1]], out });
    const lines = (await readFile(out, 'utf8')).split('\n');
    const table = await freshTable('migration-damaged');
    tables.push(table);
    const target = new TableTarget({ client: table.client, tableName: table.tableName });

    const cases: Array<[string, string, RegExp]> = [
      ['corrupt JSON', [lines[0], lines[1], lines[2].slice(0, 40), ...lines.slice(3)].join('\n'), /damaged-case\.jsonl:3: not valid JSON/],
      ['cut short at a line end', [...lines.slice(0, -2), ''].join('\n'), /the end line is missing: the file was cut short/],
      ['cut short inside a line', lines.join('\n').slice(0, -5), /:5: the last line has no newline/],
      ['a wrong type', lines.join('\n').replace('"syncCount":1,', '"syncCount":"1",'), /:3: dataset: "syncCount" must be a whole number/],
      ['another format', ['{"format":"something-else","version":1}', ...lines.slice(1)].join('\n'), /:1: not an open-cognito-sync export/],
      ['a later version', lines.join('\n').replace('"version":1', '"version":2'), /:1: export version 2 is not supported/],
    ];
    for (const [what, text, error] of cases) {
      const damaged = join(directory, 'damaged-case.jsonl');
      await writeFile(damaged, text);
      await expect(openFileSource(damaged), what).rejects.toThrow(error);
      await expect(runImport({ in: damaged, target }), what).rejects.toBeInstanceOf(ExportFileError);
    }
    expect(await collect(target.listIdentities(pools[1]))).toEqual([]);
  });
});

describe('a throttling source', () => {
  it('is read whole through the default retry, and without a retry the throttling error reaches the caller', async () => {
    // Every other request is refused, as a source at its API limits refuses them.
    const proxy = await startThrottlingProxy(endpoint.url, (n) => n % 2 === 1);
    const retries: string[] = [];
    const throttled = localEndpointSource(endpoint, {
      endpoint: proxy.url,
      identityEndpoint: proxy.url,
      call: retryingCall({ baseDelayMs: 5, onRetry: (operation) => retries.push(operation) }),
    });
    // No hook given: the default retry.
    const byDefault = createEndpointSource({ region: endpoint.region, endpoint: proxy.url, credentials: endpoint.developerCredentials });
    const unprotected = createEndpointSource({ region: endpoint.region, endpoint: proxy.url, credentials: endpoint.developerCredentials, call: directCall });
    try {
      expect(await throttled.readDataset(live[0].address)).toEqual(await live[0].expected());
      expect(await collect(throttled.listIdentities(pools[0]))).toHaveLength(2);
      expect(proxy.throttled()).toBeGreaterThan(0);
      expect(retries).toEqual(expect.arrayContaining(['ListRecords', 'DescribeDataset', 'ListIdentities']));
      expect(await byDefault.readDataset(live[2].address)).toEqual(await live[2].expected());
      // The proxy's count is now even: the next request is refused.
      await expect(unprotected.readDataset(live[0].address)).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    } finally {
      throttled.close();
      byDefault.close();
      unprotected.close();
      await proxy.close();
    }
  });
});
