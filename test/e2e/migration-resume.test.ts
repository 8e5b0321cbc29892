/**
 * A migration killed at any point and started again (issue 13): the target's DynamoDB client dies at
 * its Nth write request (before sending it, or after DynamoDB took it), for N spread over a whole run,
 * the redo log of a 200-record dataset included; every request after that fails too, as in a killed
 * process, and the checkpoint is not saved on the way out. The second run must finish with zero
 * differences, write every dataset the first did not, and write none that the first had written.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import { Checkpoint, datasetKey } from '../../lambdas/migration/migrate/checkpoint';
import { runMigration } from '../../lambdas/migration/migrate/runner';
import type { DatasetSnapshot, DatasetTarget, WriteOutcome } from '../../lambdas/migration/model';
import type { EndpointSource } from '../../lambdas/migration/source/endpoint-source';
import { TableTarget } from '../../lambdas/migration/target/table-target';
import { verifyMigration } from '../../lambdas/migration/verify';
import { dynamoEndpoint, freshTable } from '../helpers/dynamodb-local';
import { localEndpointSource } from '../helpers/endpoint-source';
import { type Endpoint, startEndpoint } from '../helpers/local-endpoint';

/** A commit mark left by the killed run is rolled forward soon by the next one. */
const STORE = { commitLeaseMs: 50 };

let endpoint: Endpoint;
let source: EndpointSource;
let pool: string;
let directory: string;
const all = new Set<string>();

beforeAll(async () => {
  endpoint = await startEndpoint();
  directory = await mkdtemp(join(tmpdir(), 'migration-resume-'));
  pool = await endpoint.createIdentityPool('resume');
  const developer = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials: endpoint.developerCredentials, maxAttempts: 1 });
  const write = async (identityId: string, DatasetName: string, patches: [string, string][]) => {
    const ids = { IdentityPoolId: pool, IdentityId: identityId, DatasetName };
    const listed = await developer.send(new ListRecordsCommand(ids));
    await developer.send(
      new UpdateRecordsCommand({
        ...ids,
        SyncSessionToken: listed.SyncSessionToken,
        RecordPatches: patches.map(([Key, Value]) => ({ Op: 'replace', Key, Value, SyncCount: 0 })),
      }),
    );
    all.add(datasetKey({ identityPoolId: pool, identityId, datasetName: DatasetName }));
  };
  for (let i = 0; i < 4; i++) {
    const { identityId } = await endpoint.newIdentity(pool);
    await write(identityId, 'settings', [
      ['a', `${i}`],
      ['b', `${i}`],
    ]);
    await write(identityId, 'game', [['level', `${i}`]]);
    // One dataset over the single-item threshold and over one transaction: the redo log. Random
    // values, so that no compression of the single item brings it under the threshold.
    if (i === 0) {
      await write(
        identityId,
        'large',
        Array.from({ length: 200 }, (_, j) => [`key-${j}`, randomBytes(150).toString('base64')]),
      );
    }
  }
  developer.destroy();
  source = localEndpointSource(endpoint);
}, 120_000);

afterAll(async () => {
  source?.close();
  await endpoint?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

class Killed extends Error {
  override name = 'Killed';
}

const WRITES = /^(Put|Update|Delete|TransactWrite|BatchWrite)/;

/**
 * A DynamoDB client that dies at its `killAt`th write request: before sending it when `afterSending`
 * is false, else once DynamoDB has taken it. Every request after that fails. `killAt` 0: never dies,
 * only counts.
 */
function mortalClient(killAt: number, afterSending: boolean): { client: DynamoDBClient; writes: () => number } {
  const client = createDynamoDBLocalClient(dynamoEndpoint());
  let writes = 0;
  let dead = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (dead) throw new Killed('the process is gone');
      if (!WRITES.test(context.commandName ?? '')) return next(args);
      writes++;
      if (writes !== killAt) return next(args);
      dead = true;
      if (afterSending) await next(args);
      throw new Killed(`killed at write ${killAt}`);
    },
    { step: 'initialize', name: 'killAtNthWrite' },
  );
  return { client, writes: () => writes };
}

/** The target, telling which datasets each of its writes wrote. */
function countingTarget(target: DatasetTarget, written: string[]): DatasetTarget {
  return Object.assign(Object.create(target) as DatasetTarget, {
    async writeDataset(snapshot: DatasetSnapshot, last: number | undefined): Promise<WriteOutcome> {
      const outcome = await target.writeDataset(snapshot, last);
      if (outcome.kind === 'written') written.push(datasetKey(snapshot));
      return outcome;
    },
  });
}

describe('a migration killed and started again', () => {
  it('finishes with zero differences and writes nothing twice, wherever it was killed', async () => {
    // How many write requests a whole run makes, to spread the kills over it.
    const baseline = await freshTable('migration-resume-baseline');
    const counted = mortalClient(0, false);
    await runMigration({
      source,
      target: new TableTarget({ client: counted.client, tableName: baseline.tableName, store: STORE }),
      pools: [pool],
      checkpoint: await Checkpoint.open(undefined),
    });
    const total = counted.writes();
    counted.client.destroy();
    baseline.client.destroy();
    expect(total).toBeGreaterThan(200);

    const kills = [1, 2, 3, Math.floor(total / 4), Math.floor(total / 2), Math.floor((3 * total) / 4), total - 1, total];
    for (const [i, killAt] of kills.entries()) {
      const afterSending = i % 2 === 1;
      const table = await freshTable('migration-resume');
      const checkpointFile = join(directory, `checkpoint-${i}.json`);
      const mortal = mortalClient(killAt, afterSending);
      const killedRun = runMigration({
        source,
        target: new TableTarget({ client: mortal.client, tableName: table.tableName, store: STORE }),
        pools: [pool],
        checkpoint: await Checkpoint.open(checkpointFile),
        concurrency: 3,
        checkpointIntervalMs: 5,
        saveCheckpointOnFailure: false,
      });
      await expect(killedRun, `killed at write ${killAt}`).rejects.toThrow(Killed);
      mortal.client.destroy();

      // What the killed run left written: the datasets the target holds at the source's count.
      const target = new TableTarget({ client: table.client, tableName: table.tableName, store: STORE });
      const landed = new Set<string>();
      for (const key of all) {
        const [identityPoolId, identityId, datasetName] = JSON.parse(key) as string[];
        const address = { identityPoolId, identityId, datasetName };
        const [there, wanted] = await Promise.all([target.readDataset(address), source.readDataset(address)]);
        if (there && there.syncCount === wanted?.syncCount) landed.add(key);
      }

      const written: string[] = [];
      const resumed = await runMigration({
        source,
        target: countingTarget(target, written),
        pools: [pool],
        checkpoint: await Checkpoint.open(checkpointFile),
        concurrency: 3,
      });
      const where = `killed at write ${killAt} of ${total} (${afterSending ? 'after' : 'before'} sending it)`;
      expect(resumed.conflicts, where).toEqual([]);
      expect(
        written.filter((key) => landed.has(key)),
        where,
      ).toEqual([]);
      expect(new Set([...written, ...landed]), where).toEqual(all);
      expect(written.length, where).toBe(new Set(written).size);
      expect((await verifyMigration(source, target, [pool])).differences, where).toEqual([]);
      table.client.destroy();
    }
  }, 300_000);
});
