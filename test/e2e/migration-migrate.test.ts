/**
 * `migrate` end to end (issue 13): two local endpoints in one run, the source a second instance of
 * this service. The source is populated through the public API (two pools, tombstones, a deleted and
 * a re-created dataset, a 1 MB dataset, a 1,024-record dataset, unicode keys), migrated into the
 * target's table, and then:
 * - verify shows zero differences, both against the table and through the target's public API;
 * - ListRecords on the target answers every device's LastSyncCount exactly as the source does, and a
 *   device goes on writing there with the counts it holds;
 * - a second run copies only what changed, and reports (never overwrites) a dataset changed on the
 *   target since the copy;
 * - throttling from the source is retried.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoSyncClient,
  DescribeIdentityUsageCommand,
  ListRecordsCommand,
  type ListRecordsCommandOutput,
  SetIdentityPoolConfigurationCommand,
} from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checkpoint } from '../../lambdas/migration/migrate/checkpoint';
import { DEVICES_NOTE, runMigration } from '../../lambdas/migration/migrate/runner';
import type { DatasetAddress } from '../../lambdas/migration/model';
import { retryingCall } from '../../lambdas/migration/source/call';
import { createEndpointSource, type EndpointSource } from '../../lambdas/migration/source/endpoint-source';
import { TableTarget } from '../../lambdas/migration/target/table-target';
import { verifyMigration } from '../../lambdas/migration/verify';
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import { dynamoEndpoint, type FreshTable, freshTable } from '../helpers/dynamodb-local';
import { localEndpointSource } from '../helpers/endpoint-source';
import { type AwsCredentials, type Endpoint, startEndpoint } from '../helpers/local-endpoint';
import { AppDataset } from '../helpers/app-dataset';
import { startThrottlingProxy } from '../helpers/throttling-proxy';

let sourceEndpoint: Endpoint;
let targetEndpoint: Endpoint;
let source: EndpointSource;
let target: TableTarget;
let directory: string;
let pools: string[];
const clients: CognitoSyncClient[] = [];
const closers: (() => void)[] = [];

const syncClient = (endpoint: Endpoint, credentials: AwsCredentials = endpoint.developerCredentials): CognitoSyncClient => {
  const client = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
};

const idsOf = (address: DatasetAddress) => ({ IdentityPoolId: address.identityPoolId, IdentityId: address.identityId, DatasetName: address.datasetName });

let settings: AppDataset;
let recreated: AppDataset;
let game: AppDataset;
let datasets: AppDataset[];
const PUSH = { ApplicationArns: ['arn:aws:sns:us-east-1:123456789012:app/GCM/game'], RoleArn: 'arn:aws:iam::123456789012:role/push' };

beforeAll(async () => {
  [sourceEndpoint, targetEndpoint] = await Promise.all([startEndpoint(), startEndpoint()]);
  directory = await mkdtemp(join(tmpdir(), 'migration-migrate-'));
  pools = [await sourceEndpoint.createIdentityPool('first'), await sourceEndpoint.createIdentityPool('second')];
  const [a, b, c, d] = [
    await sourceEndpoint.newIdentity(pools[0]),
    await sourceEndpoint.newIdentity(pools[0]),
    await sourceEndpoint.newIdentity(pools[1]),
    await sourceEndpoint.newIdentity(pools[1]),
  ];
  const developer = syncClient(sourceEndpoint);
  const dataset = (identity: typeof a, datasetName: string, client = syncClient(sourceEndpoint, identity.credentials)) =>
    new AppDataset(client, { identityPoolId: identity.identityPoolId, identityId: identity.identityId, datasetName }, new Date(1_700_000_000_000));

  settings = dataset(a, 'settings');
  await settings.update([
    ['volume', '7'],
    ['caf\u00e9 \u{1F600}', '\u65E5\u672C\u8A9E \u{1F30D}'],
    ['gone', 'soon'],
  ]);
  await settings.update([
    ['gone', null],
    ['volume', '8'],
  ]);
  recreated = dataset(a, 'recreated');
  await recreated.update([['old', 'incarnation']]);
  await recreated.update([['older', 'still']]);
  await recreated.delete();
  await recreated.update([['new', 'incarnation']]);
  const deleted = dataset(a, 'deleted');
  await deleted.update([['x', 'y']]);
  await deleted.delete();
  // About 1 MB: over the single-item threshold and over what one transaction writes (large values in parts).
  const megabyte = dataset(b, 'megabyte');
  for (let i = 0; i < 4; i++) {
    await megabyte.update(Array.from({ length: 4 }, (_, j) => [`blob-${i}-${j}`, String.fromCharCode(97 + i + j).repeat(62_000)] as const));
  }
  // 1,024 records in one commit: the redo log on the target.
  const many = dataset(b, 'many');
  await many.update(Array.from({ length: 1024 }, (_, i) => [`k${String(i).padStart(4, '0')}`, `v${i}`] as const));
  await many.update([['k0000', null]]);
  game = dataset(c, 'game');
  await game.update([['level', '1']]);
  await game.update([['level', '2']]);
  const byDeveloper = dataset(d, 'merged.us-east-1:00000000-0000-0000-0000-000000000000', developer);
  await byDeveloper.update([['from', 'developer']]);
  datasets = [settings, recreated, deleted, megabyte, many, game, byDeveloper];

  await developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pools[0], PushSync: PUSH }));
  source = localEndpointSource(sourceEndpoint);
  const client = createDynamoDBLocalClient(dynamoEndpoint());
  closers.push(() => client.destroy());
  target = new TableTarget({ client, tableName: targetEndpoint.tableName });
}, 300_000);

afterAll(async () => {
  source?.close();
  for (const c of clients) c.destroy();
  for (const close of closers) close();
  await Promise.all([sourceEndpoint?.close(), targetEndpoint?.close()]);
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** What a device is told for its LastSyncCount, without the session token (a fresh one each call). */
async function answer(
  client: CognitoSyncClient,
  address: DatasetAddress,
  lastSyncCount: number,
): Promise<Partial<ListRecordsCommandOutput> | { error: string }> {
  try {
    const out = await client.send(new ListRecordsCommand({ ...idsOf(address), LastSyncCount: lastSyncCount }));
    const { SyncSessionToken: _token, $metadata: _metadata, ...rest } = out;
    return rest;
  } catch (e) {
    return { error: (e as Error).name };
  }
}

const checkpointFile = () => join(directory, 'checkpoint.json');

describe('migrate between two endpoints', () => {
  it('copies every dataset with its counts: verify finds no difference, in the table or through the public API', async () => {
    const report = await runMigration({ source, target, pools, checkpoint: await Checkpoint.open(checkpointFile()), concurrency: 3 });
    // `deleted` is not listed at the source: six datasets.
    expect(report.datasets).toEqual({ total: 6, copied: 6, unchanged: 0, conflicts: 0 });
    expect(report.records).toBe(3 + 1 + 16 + 1024 + 1 + 1);
    expect(report.conflicts).toEqual([]);
    expect(report.devices).toBe(DEVICES_NOTE);
    expect(report.pools.map((p) => p.configuration)).toEqual(['copied', 'none']);
    expect(report.pools[0].actions.join('\n')).toContain(PUSH.RoleArn);

    const table = await verifyMigration(source, target, pools);
    expect(table.differences).toEqual([]);
    expect(table.datasets).toBe(6);
    const targetApi = createEndpointSource({
      region: targetEndpoint.region,
      endpoint: targetEndpoint.url,
      identityEndpoint: sourceEndpoint.url,
      credentials: targetEndpoint.developerCredentials,
    });
    try {
      const wire = await verifyMigration(source, targetApi, pools);
      // The pools themselves live in the source instance's Cognito Identity (on AWS both sides share
      // one), so the target endpoint does not answer for their configuration; the table check above does.
      expect(wire.differences.filter((d) => d.field !== 'pool')).toEqual([]);
      expect(wire.datasets).toBe(6);
      expect(wire.records).toBe(table.records);
    } finally {
      targetApi.close();
    }

    // The identities' usage (the dataset count of SUMMARY, the bytes of the heads) and the pool's configuration.
    const [fromSource, fromTarget] = [syncClient(sourceEndpoint), syncClient(targetEndpoint)];
    for (const { address } of datasets) {
      const ids = { IdentityPoolId: address.identityPoolId, IdentityId: address.identityId };
      const [s, t] = await Promise.all([fromSource.send(new DescribeIdentityUsageCommand(ids)), fromTarget.send(new DescribeIdentityUsageCommand(ids))]);
      // Not LastModifiedDate: the source's counts the deletion of `deleted`, which no listing shows.
      expect({ count: t.IdentityUsage?.DatasetCount, bytes: t.IdentityUsage?.DataStorage }).toEqual({
        count: s.IdentityUsage?.DatasetCount,
        bytes: s.IdentityUsage?.DataStorage,
      });
    }
    expect((await target.readPoolConfiguration(pools[0]))?.pushSync).toEqual(PUSH);
  });

  it('answers every device on the target as the source does, and a device goes on syncing there with its counts', async () => {
    const [fromSource, fromTarget] = [syncClient(sourceEndpoint), syncClient(targetEndpoint)];
    // Not `deleted`: deleted at the source before any copy, it is listed nowhere there and so unknown to
    // the migration (README, Moving off Amazon Cognito Sync).
    for (const dataset of datasets.filter((d) => d.address.datasetName !== 'deleted')) {
      const latest = await answer(fromSource, dataset.address, 0);
      const top = 'DatasetSyncCount' in latest ? (latest.DatasetSyncCount ?? 0) : 0;
      // Every count a device may hold, the deleted incarnation's included, and one above.
      for (let lastSyncCount = 0; lastSyncCount <= top + 1; lastSyncCount += top > 20 ? 7 : 1) {
        expect(await answer(fromTarget, dataset.address, lastSyncCount), `${dataset.address.datasetName} from ${lastSyncCount}`).toEqual(
          await answer(fromSource, dataset.address, lastSyncCount),
        );
      }
    }
    // The device that wrote `settings` on the source switches endpoint and writes on: no conflict.
    const onTarget = new AppDataset(syncClient(targetEndpoint, targetEndpoint.developerCredentials), settings.address).holdAsOf(settings);
    await onTarget.update([['volume', '9']]);
    expect(onTarget.syncCount).toBe(settings.syncCount + 1);
    // Written back to the source as well, so that later runs see the two sides agree on it again.
    await settings.update([['volume', '9']]);
  });

  it('a second run copies only what changed, and reports a dataset changed on the target, never overwriting it', async () => {
    // After the first run: `settings` now differs on both sides (the device above wrote to each); `game`
    // changes at the source while an app already writes it on the target; `recreated` moves at the source only.
    await recreated.update([['newer', 'still']]);
    await game.update([['level', '3']]);
    const onTarget = new AppDataset(syncClient(targetEndpoint), game.address);
    await onTarget.update([['level', 'target-only']]);

    const report = await runMigration({ source, target, pools, checkpoint: await Checkpoint.open(checkpointFile()), concurrency: 3 });
    expect(report.datasets.copied).toBe(1);
    expect(report.records).toBe(1);
    expect(report.conflicts.map((c) => c.datasetName).sort()).toEqual(['game', 'settings']);
    expect(report.conflicts.find((c) => c.datasetName === 'game')).toMatchObject({ sourceSyncCount: 3, targetSyncCount: 3, lastCopiedSyncCount: 2 });
    expect(report.datasets.unchanged).toBe(3);
    const level = (await target.readDataset(game.address))?.records.find((r) => r.key === 'level');
    expect(level?.value).toBe('target-only');
    const differences = await verifyMigration(source, target, pools);
    expect(new Set(differences.differences.map((d) => d.datasetName))).toEqual(new Set(['game', 'settings']));

    // Nothing moved since: a third run reads nothing and writes nothing.
    const again = await runMigration({ source, target, pools, checkpoint: await Checkpoint.open(checkpointFile()), concurrency: 3 });
    expect(again.datasets).toEqual({ total: 6, copied: 0, unchanged: 4, conflicts: 2 });
  });
});

describe('a throttling source', () => {
  it('is retried with back-off until every dataset is copied', async () => {
    const table: FreshTable = await freshTable('migration-throttled');
    closers.push(() => table.client.destroy());
    // Every third request is refused, as a source at its API limits refuses them.
    const proxy = await startThrottlingProxy(sourceEndpoint.url, (n) => n % 3 === 0);
    const retries: string[] = [];
    const throttled = localEndpointSource(sourceEndpoint, {
      endpoint: proxy.url,
      identityEndpoint: proxy.url,
      call: retryingCall({ baseDelayMs: 5, onRetry: (operation) => retries.push(operation) }),
    });
    try {
      const fresh = new TableTarget({ client: table.client, tableName: table.tableName });
      const report = await runMigration({ source: throttled, target: fresh, pools, checkpoint: await Checkpoint.open(undefined), concurrency: 2 });
      expect(report.datasets.copied).toBe(6);
      expect(proxy.throttled()).toBeGreaterThan(0);
      expect(retries.length).toBe(proxy.throttled());
      expect((await verifyMigration(source, fresh, pools)).differences).toEqual([]);
    } finally {
      throttled.close();
      await proxy.close();
    }
  });
});
