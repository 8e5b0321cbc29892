/**
 * `npm run bench:migrate [-- --identities N --concurrency C --with-stream]`: the migration's throughput on this
 * machine. A source instance of this service (the local server over its own table) holds N
 * identities (default 10,000, the figure) × 2 datasets × 20 records; `migrate` copies them
 * into a second table through the endpoint source (the public API, as from AWS) and the table target.
 * Prints identities/s and records/s, and what bounds them: the time the workers spent waiting on the
 * source's API against writing the target, and this process's CPU (the source's request handling
 * runs here too, as the local server is in-process).
 *
 * The source is populated directly through the store (the target's own import path over the
 * source's table, and the local Cognito Identity's store for the identities): through the API it
 * would take longer than the migration it prepares.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createDynamoDBLocalClient, startDynamoDBLocal } from '../lambdas/local/emulators/dynamodb-local';
import { LocalIdentityStore } from '../lambdas/local/cognito-identity/identity-store';
import { startLocalServer } from '../lambdas/local/http/server';
import { eachConcurrently } from '../lambdas/migration/each-concurrently';
import { Checkpoint } from '../lambdas/migration/migrate/checkpoint';
import { emptyCounts, progressView } from '../lambdas/migration/migrate/progress';
import { runMigration } from '../lambdas/migration/migrate/runner';
import type { DatasetSnapshot, DatasetTarget } from '../lambdas/migration/model';
import { retryingCall, type SourceCall } from '../lambdas/migration/source/call';
import { createEndpointSource } from '../lambdas/migration/source/endpoint-source';
import { TableTarget } from '../lambdas/migration/target/table-target';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable, tableDefinition } from '../lambdas/src/adapters/dynamodb/table-schema';

const REGION = 'us-east-1';
const DEVELOPER = { accessKeyId: 'AKIABENCHMIGRATE0000', secretAccessKey: 'bench-migrate-secret' };
const DATASETS_PER_IDENTITY = 2;
const RECORDS_PER_DATASET = 20;
const POPULATE_CONCURRENCY = 32;

function snapshotOf(identityPoolId: string, identityId: string, datasetName: string, now: number): DatasetSnapshot {
  // Four syncs of five records each, as a device writes them over time.
  const records = Array.from({ length: RECORDS_PER_DATASET }, (_, i) => ({
    key: `key-${i}`,
    value: JSON.stringify({ setting: i, value: `${datasetName}-${i}`, at: now }),
    syncCount: 1 + Math.floor(i / 5),
    lastModifiedDate: now + Math.floor(i / 5),
    lastModifiedBy: identityId,
    deviceLastModifiedDate: now + Math.floor(i / 5) - 10,
  }));
  return { identityPoolId, identityId, datasetName, syncCount: 4, creationDate: now, lastModifiedDate: now + 3, lastModifiedBy: identityId, records };
}

/** Time spent inside what `wrap` wraps, summed over every concurrent call. */
class Stopwatch {
  totalMs = 0;
  calls = 0;
  async time<T>(run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.totalMs += performance.now() - started;
      this.calls++;
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      identities: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '8' },
      'with-stream': { type: 'boolean', default: false },
    },
  });
  const identities = Number(values.identities);
  const concurrency = Number(values.concurrency);
  const dynamo = await startDynamoDBLocal({ inMemory: true });
  const client = createDynamoDBLocalClient(dynamo.endpoint);
  const [sourceTable, targetTable] = [`bench-source-${randomUUID()}`, `bench-target-${randomUUID()}`];
  // Without the change feed's stream: with it a run slowed as it went (1.5 identities/s after 10,000
  // populated, DynamoDB Local's JVM busy in getStreamDescription), which says nothing of the
  // migration or of DynamoDB. A table with a stream alone does not slow so in shorter runs (README,
  // "Throughput"), and no change feed reads it here: the cause is not known yet. `--with-stream` keeps it.
  const createTable = (tableName: string) =>
    values['with-stream']
      ? ensureTable(client, tableName)
      : client.send(new CreateTableCommand({ ...tableDefinition(tableName), StreamSpecification: undefined }));
  await Promise.all([createTable(sourceTable), createTable(targetTable)]);
  const server = await startLocalServer({
    port: 0,
    region: REGION,
    tableName: sourceTable,
    dynamoEndpoint: dynamo.endpoint,
    serverKey: Buffer.alloc(32, 7),
    developer: DEVELOPER,
  });
  try {
    // ---- the source ----
    const pool = `${REGION}:${randomUUID()}`;
    const identityStore = new LocalIdentityStore(client, sourceTable);
    await identityStore.putPool({ identityPoolId: pool, identityPoolName: 'bench', allowUnauthenticatedIdentities: true });
    const sourceStore = new TableTarget({ client, tableName: sourceTable });
    const now = Date.now() - 86_400_000;
    const populating = performance.now();
    await eachConcurrently(
      Array.from({ length: identities }, (_, i) => i),
      POPULATE_CONCURRENCY,
      async () => {
        const identityId = `${REGION}:${randomUUID()}`;
        await identityStore.putIdentity({ identityId, identityPoolId: pool });
        for (let d = 0; d < DATASETS_PER_IDENTITY; d++) await sourceStore.writeDataset(snapshotOf(pool, identityId, `dataset-${d}`, now), undefined);
      },
    );
    console.log(
      `populated ${identities} identities × ${DATASETS_PER_IDENTITY} datasets × ${RECORDS_PER_DATASET} records in ${((performance.now() - populating) / 1000).toFixed(1)} s`,
    );

    // ---- the migration, timed by side ----
    const sourceWait = new Stopwatch();
    const targetWait = new Stopwatch();
    const retry = retryingCall();
    const timedCall: SourceCall = (operation, attempt) => sourceWait.time(() => retry(operation, attempt));
    const source = createEndpointSource({ region: REGION, endpoint: server.url, identityEndpoint: server.url, credentials: DEVELOPER, call: timedCall });
    const table = new TableTarget({ client, tableName: targetTable });
    const target: DatasetTarget = Object.assign(Object.create(table) as DatasetTarget, {
      writeDataset: (snapshot: DatasetSnapshot, last: number | undefined) => targetWait.time(() => table.writeDataset(snapshot, last)),
    });
    const counts = emptyCounts();
    const view = progressView(counts, { stream: process.stderr });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    view.start();
    const report = await runMigration({ source, target, pools: [pool], checkpoint: await Checkpoint.open(undefined), concurrency, counts });
    view.stop();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    source.close();

    const busy = sourceWait.totalMs + targetWait.totalMs;
    const cpuShare = (cpu.user + cpu.system) / 1e6 / seconds;
    console.log(
      `migrated ${report.identities} identities, ${report.datasets.copied} datasets, ${report.records} records in ${seconds.toFixed(1)} s (concurrency ${concurrency})`,
    );
    console.log(`  ${(report.identities / seconds).toFixed(1)} identities/s, ${(report.records / seconds).toFixed(0)} records/s`);
    console.log(
      `  workers' time: source API ${((100 * sourceWait.totalMs) / busy).toFixed(0)}% (${sourceWait.calls} requests, ${(sourceWait.totalMs / sourceWait.calls).toFixed(1)} ms each), ` +
        `target writes ${((100 * targetWait.totalMs) / busy).toFixed(0)}% (${(targetWait.totalMs / targetWait.calls).toFixed(1)} ms each)`,
    );
    console.log(`  this process's CPU: ${(100 * cpuShare).toFixed(0)}% of one core (it also serves the source's requests); DynamoDB Local is a JVM beside it`);
  } finally {
    await server.close();
    client.destroy();
    await dynamo.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
