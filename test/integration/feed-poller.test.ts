/**
 * The change feed, locally: the local endpoint's poller on DynamoDB Local's stream hands committed
 * syncs to FEED_CONSUMERS' place (consumers given by the test) through the same runner as deployed.
 *
 * - a consumer that fails a few times, then recovers: nothing lost, nothing doubled;
 * - a poison event ends in the failure queue file after its bounded attempts, the feed goes on, and
 *   the replay file hands it to the feed again;
 * - a restart of the endpoint on a persistent data directory, with syncs committed while it was
 *   down, skips none of them and repeats none (the checkpoint);
 * - a table made before streams were in its definition gets one at start.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createDynamoDBLocalClient, startDynamoDBLocal } from '../../lambdas/local/emulators/dynamodb-local';
import { FAILURE_QUEUE_FILE, REPLAY_FILE } from '../../lambdas/local/feed/failure-queue';
import { CHECKPOINT_FILE } from '../../lambdas/local/feed/checkpoint-file';
import { startLocalEndpoint, type LocalEndpointOptions } from '../../lambdas/local/local-endpoint';
import { DynamoDBSyncStore } from '../../lambdas/src/adapters/dynamodb/sync-store';
import { ensureTable, tableDefinition } from '../../lambdas/src/adapters/dynamodb/table-schema';
import { type CommittedSync, committedSyncKey, type FeedConsumer } from '../../lambdas/src/domain/feed/committed-sync';
import { systemClock } from '../../lambdas/src/domain/ports';
import { CognitoSyncService } from '../../lambdas/src/domain/sync-service';
import { TokenCodec } from '../../lambdas/src/domain/tokens';
import type { FeedConsumerFactory } from '../../lambdas/src/feed/consumers';
import { dynamoEndpoint } from '../helpers/dynamodb-local';
import { datasetOf, identityPrincipal, replace, TOKEN_KEY } from '../helpers/sync-fixture';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'feed-poller-'));
  dirs.push(dir);
  return dir;
};

/** Writes through the real store: `count` syncs of one dataset of a new identity. */
async function commitSyncs(endpoint: string, tableName: string, count: number, datasetName = 'settings', identityId = `us-east-1:${randomUUID()}`) {
  const client = createDynamoDBLocalClient(endpoint);
  const service = new CognitoSyncService({ store: new DynamoDBSyncStore(client, tableName), clock: systemClock, tokens: new TokenCodec(TOKEN_KEY) });
  const dataset = datasetOf(identityId, datasetName);
  const principal = identityPrincipal(identityId);
  try {
    for (let i = 0; i < count; i++) {
      const { SyncSessionToken } = await service.listRecords(principal, dataset);
      await service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace(`key-${randomUUID()}`, `value${i}`)] });
    }
  } finally {
    client.destroy();
  }
  return identityId;
}

/** A consumer that writes down each event it took, throwing first while `fails` says so. */
function recording(name: string, fails: (event: CommittedSync, call: number) => boolean = () => false) {
  const taken: CommittedSync[] = [];
  let calls = 0;
  const consumer: FeedConsumer = {
    name,
    consume: async (event) => {
      calls++;
      if (fails(event, calls)) throw new Error(`${name} unavailable (call ${calls})`);
      taken.push(event);
    },
  };
  const factory: FeedConsumerFactory = () => consumer;
  return { factory, taken, keys: () => taken.map(committedSyncKey), calls: () => calls };
}

async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const onSharedTable = async (tableName: string, feed: LocalEndpointOptions['feed'], extra: LocalEndpointOptions = {}) =>
  startLocalEndpoint({ dynamoEndpoint: dynamoEndpoint(), tableName, port: 0, moto: false, inMemory: true, feed, ...extra });

describe('local change feed', () => {
  it('retries a consumer that fails a few times: every sync arrives, none twice', async () => {
    const tableName = `feed-${randomUUID()}`;
    const lines: string[] = [];
    const first = recording('first');
    const flaky = recording('flaky', (_, call) => call <= 4);
    const endpoint = await onSharedTable(tableName, { consumers: [first.factory, flaky.factory], retryBaseMs: 5, maxAttempts: 10, log: (l) => lines.push(l) });
    try {
      const a = await commitSyncs(endpoint.dynamoEndpoint, tableName, 4, 'one');
      const b = await commitSyncs(endpoint.dynamoEndpoint, tableName, 3, 'two');
      await until(() => flaky.taken.length >= 7, 'seven syncs');
      const expected = [
        ...[1, 2, 3, 4].map((n) => `us-east-1:11111111-2222-3333-4444-555555555555#${a}#one#${n}#sync`),
        ...[1, 2, 3].map((n) => `us-east-1:11111111-2222-3333-4444-555555555555#${b}#two#${n}#sync`),
      ];
      expect(flaky.calls()).toBeGreaterThan(7);
      expect(flaky.keys().sort()).toEqual(expected.sort());
      expect(first.keys().sort()).toEqual(expected.sort());
      expect(lines).toEqual([]); // retried, never given up
    } finally {
      await endpoint.close();
    }
  });

  it('sends a poison event to the failure queue after its attempts, goes on, and replays it on request', async () => {
    const tableName = `feed-${randomUUID()}`;
    const dataDir = tempDir();
    const lines: string[] = [];
    const picky = recording('picky', (event) => event.datasetName === 'poison');
    const endpoint = await onSharedTable(
      tableName,
      { consumers: [picky.factory], retryBaseMs: 5, maxAttempts: 3, log: (l) => lines.push(l) },
      { inMemory: false, dataDir },
    );
    let poisoned: string;
    try {
      poisoned = await commitSyncs(endpoint.dynamoEndpoint, tableName, 1, 'poison');
      await commitSyncs(endpoint.dynamoEndpoint, tableName, 2, 'healthy');
      await until(() => picky.taken.length >= 2, 'the healthy syncs');
    } finally {
      await endpoint.close();
    }
    expect(picky.calls()).toBe(3 + 2);
    expect(picky.taken.map((e) => e.datasetName)).toEqual(['healthy', 'healthy']);
    const queued = readFileSync(path.join(dataDir, FAILURE_QUEUE_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ attempts: 3, consumer: 'picky', event: { datasetName: 'poison', identityId: poisoned, syncCount: 1 } });
    expect(queued[0].error).toMatch(/picky unavailable/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/poison@1 failed 3 times.*feed-failures\.jsonl/);

    // Replay: the failure queue moved to the replay file is handed to the feed at the next start.
    renameSync(path.join(dataDir, FAILURE_QUEUE_FILE), path.join(dataDir, REPLAY_FILE));
    const healed = recording('picky');
    const again = await onSharedTable(tableName, { consumers: [healed.factory] }, { inMemory: false, dataDir });
    try {
      await until(() => healed.taken.length >= 1, 'the replayed sync');
    } finally {
      await again.close();
    }
    expect(healed.taken.map((e) => [e.datasetName, e.syncCount])).toEqual([['poison', 1]]);
    expect(existsSync(path.join(dataDir, REPLAY_FILE))).toBe(false);
  });

  it('gives a table made before streams a stream at start', async () => {
    const tableName = `feed-${randomUUID()}`;
    const client = createDynamoDBLocalClient(dynamoEndpoint());
    const { StreamSpecification: _none, ...withoutStream } = tableDefinition(tableName);
    await client.send(new CreateTableCommand(withoutStream));
    await ensureTable(client, tableName);
    client.destroy();
    const seen = recording('seen');
    const endpoint = await onSharedTable(tableName, { consumers: [seen.factory] });
    try {
      await commitSyncs(endpoint.dynamoEndpoint, tableName, 2);
      await until(() => seen.taken.length >= 2, 'two syncs');
      expect(seen.taken.map((e) => e.syncCount)).toEqual([1, 2]);
    } finally {
      await endpoint.close();
    }
  });

  it('survives a restart on a persistent data directory without skipping or repeating syncs', async () => {
    const dataDir = tempDir();
    const tableName = 'cognito-sync';
    const seen = recording('seen');
    const options = { dataDir, tableName, port: 0, moto: false as const, feed: { consumers: [seen.factory] } };

    const before = await startLocalEndpoint(options);
    let identity: string;
    try {
      identity = await commitSyncs(before.dynamoEndpoint, tableName, 3);
      await until(() => seen.taken.length >= 3, 'the first three syncs');
    } finally {
      await before.close();
    }
    expect(existsSync(path.join(dataDir, CHECKPOINT_FILE))).toBe(true);

    // Syncs committed while the endpoint (and its poller) is down, on the same data.
    const dynamo = await startDynamoDBLocal({ dbPath: path.join(dataDir, 'dynamodb') });
    try {
      await commitSyncs(dynamo.endpoint, tableName, 2, 'settings', identity);
    } finally {
      await dynamo.stop();
    }

    const after = await startLocalEndpoint(options);
    try {
      await commitSyncs(after.dynamoEndpoint, tableName, 1, 'settings', identity);
      await until(() => seen.taken.length >= 6, 'all six syncs');
    } finally {
      await after.close();
    }
    expect(seen.taken.map((e) => e.syncCount)).toEqual([1, 2, 3, 4, 5, 6]);
  }, 180_000); // three starts of a JVM on a persistent directory
});
