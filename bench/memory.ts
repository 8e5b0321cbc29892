/**
 * Memory, as a ratio against a floor: two fresh Node processes run the same workload against the
 * same DynamoDB Local, one through the deployed entry points (in-process, with the payload 2.0 event,
 * as in Lambda), the other as the bare DynamoDB calls those entry points make. Each reports its peak
 * RSS and its heap after a forced GC; the ratio is what the service adds to the SDK it stands on.
 *
 * Workloads: 300 small sync cycles (ListRecords of the changes + UpdateRecords of 10 records), then
 * 10 full reads of a dataset at its limits (1,024 records, about 1 MB).
 *
 * Run by bench/run.ts; `node --import tsx --expose-gc bench/memory.ts child <handler|floor>` is
 * the child.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';

const CYCLES = 300;
const FULL_READS = 10;
const BIG_RECORDS = 1024;
const BIG_VALUE = 'v'.repeat(1000);

interface MemoryReport {
  peakRssMb: number;
  heapAfterGcMb: number;
}

export async function benchMemory(dynamoEndpoint: string, tableName: string): Promise<void> {
  const run = (mode: 'handler' | 'floor') =>
    new Promise<MemoryReport>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', __filename, 'child', mode], {
        env: { ...process.env, BENCH_DYNAMO_ENDPOINT: dynamoEndpoint, BENCH_TABLE: tableName, SYNC_OBSERVABILITY: 'off' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => {
        const line = out.trim().split('\n').pop() ?? '';
        if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as MemoryReport);
        else reject(new Error(`memory child ${mode} exited ${code}: ${out}`));
      });
    });
  const handler = await run('handler');
  const floor = await run('floor');
  console.log(`\nMemory (fresh process each; ${CYCLES} sync cycles of 10 records, then ${FULL_READS} full reads of a 1,024-record, 1 MB dataset)\n`);
  console.log('                       peak RSS MB   heap after GC MB');
  const row = (label: string, r: MemoryReport) =>
    console.log(`${label.padEnd(22)} ${r.peakRssMb.toFixed(1).padStart(11)} ${r.heapAfterGcMb.toFixed(1).padStart(18)}`);
  row('handler (as Lambda)', handler);
  row('floor (bare SDK calls)', floor);
  console.log(
    `${'ratio'.padEnd(22)} ${(handler.peakRssMb / floor.peakRssMb).toFixed(2).padStart(10)}x ${(handler.heapAfterGcMb / floor.heapAfterGcMb).toFixed(2).padStart(17)}x`,
  );
}

// ---- the children ----

async function child(mode: string): Promise<void> {
  const endpoint = process.env.BENCH_DYNAMO_ENDPOINT!;
  const table = process.env.BENCH_TABLE!;
  let peakRss = 0;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  const pool = `us-east-1:${randomUUID()}`;
  const identity = `us-east-1:${randomUUID()}`;
  const work = mode === 'handler' ? await handlerWorkload(endpoint, table, pool, identity) : await floorWorkload(endpoint, table, pool, identity);

  for (let i = 0; i < CYCLES; i++) {
    await work.cycle(i);
    sample();
  }
  await work.fillBig();
  for (let i = 0; i < FULL_READS; i++) {
    await work.readBig();
    sample();
  }
  (globalThis as { gc?: () => void }).gc?.();
  const mb = (n: number) => n / (1024 * 1024);
  process.stdout.write(`${JSON.stringify({ peakRssMb: mb(peakRss), heapAfterGcMb: mb(process.memoryUsage().heapUsed) })}\n`);
}

interface Workload {
  cycle(i: number): Promise<void>;
  fillBig(): Promise<void>;
  readBig(): Promise<void>;
}

async function handlerWorkload(endpoint: string, table: string, pool: string, identity: string): Promise<Workload> {
  // Configured as the local server configures the handlers: its own config, injected, not written
  // to process.env. The caller below is an identity, so no developer policy is needed.
  const { loadConfig } = await import('../lambdas/src/config');
  const { createRuntime } = await import('../lambdas/src/runtime');
  const { createDispatch } = await import('../lambdas/local/http/dispatch');
  const runtime = createRuntime(loadConfig({ SYNC_TABLE_NAME: table, DYNAMODB_ENDPOINT: endpoint, SYNC_TOKEN_KEY: '11'.repeat(32) }));
  const dispatch = createDispatch({ resolveService: runtime.records });
  const { identityEvents } = await import('./identity-events');
  const { base, event } = identityEvents(pool, identity);
  const call = async (method: string, rawPath: string, query = '', body?: object) => {
    const result = await dispatch(event(method, rawPath, query, body));
    if (result.statusCode !== 200) throw new Error(`${method} ${rawPath}: ${result.body}`);
    return JSON.parse(result.body) as { SyncSessionToken: string; DatasetSyncCount: number; NextToken?: string };
  };
  let count = 0;
  return {
    async cycle() {
      const listed = await call('GET', `${base}/small/records`, `lastSyncCount=${count}`);
      const patches = Array.from({ length: 10 }, (_, k) => ({ Op: 'replace', Key: `k${k}`, Value: `value-${count}`, SyncCount: count }));
      await call('POST', `${base}/small`, '', { SyncSessionToken: listed.SyncSessionToken, RecordPatches: patches });
      count++;
    },
    async fillBig() {
      const listed = await call('GET', `${base}/big/records`);
      const patches = Array.from({ length: BIG_RECORDS }, (_, k) => ({ Op: 'replace', Key: `key-${k}`, Value: BIG_VALUE, SyncCount: 0 }));
      await call('POST', `${base}/big`, '', { SyncSessionToken: listed.SyncSessionToken, RecordPatches: patches });
    },
    async readBig() {
      let next: string | undefined;
      do {
        next = (await call('GET', `${base}/big/records`, next ? `nextToken=${encodeURIComponent(next)}` : '')).NextToken;
      } while (next);
    },
  };
}

async function floorWorkload(endpoint: string, table: string, pool: string, identity: string): Promise<Workload> {
  // The key scheme and the item codecs are the store's own; the calls are made bare.
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } = await import('@aws-sdk/lib-dynamodb');
  const { DYNAMODB_LOCAL_CLIENT_CONFIG } = await import('../lambdas/src/adapters/dynamodb/local-client');
  const { bySyncCountQuery, identityPartition, sortKey } = await import('../lambdas/src/adapters/dynamodb/keys');
  const { encodeRecord } = await import('../lambdas/src/adapters/dynamodb/items');
  const { batchPut } = await import('../lambdas/src/adapters/dynamodb/batch');
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ ...DYNAMODB_LOCAL_CLIENT_CONFIG, endpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const pk = identityPartition({ IdentityPoolId: pool, IdentityId: identity });
  const key = (SK: string) => ({ PK: pk, SK });
  const record = (ds: string, recordKey: string, value: string, syncCount: number) =>
    encodeRecord(pk, ds, { key: recordKey, value, syncCount, lastModifiedDate: Date.now(), lastModifiedBy: identity }, 0);
  const changes = (ds: string, after: number) => bySyncCountQuery({ IdentityPoolId: pool, IdentityId: identity, DatasetName: ds }, after);
  const query = (ds: string, after: number) => doc.send(new QueryCommand({ TableName: table, ...changes(ds, after), ConsistentRead: true, Limit: 1025 }));
  const head = (ds: string) => doc.send(new GetCommand({ TableName: table, Key: key(sortKey.head(ds)), ConsistentRead: true }));
  let count = 0;
  return {
    async cycle() {
      await Promise.all([head('small'), query('small', count)]);
      const recordKeys = Array.from({ length: 10 }, (_, k) => `k${k}`);
      await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: [key(sortKey.head('small')), key(sortKey.summary), ...recordKeys.map((k) => key(sortKey.record('small', k)))],
              ConsistentRead: true,
            },
          },
        }),
      );
      const next = count + 1;
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: { TableName: table, Key: key(sortKey.head('small')), UpdateExpression: 'SET syncCount = :n', ExpressionAttributeValues: { ':n': next } },
            },
            { Update: { TableName: table, Key: key(sortKey.summary), UpdateExpression: 'ADD dataStorage :z', ExpressionAttributeValues: { ':z': 0 } } },
            ...recordKeys.map((k) => ({ Put: { TableName: table, Item: record('small', k, `value-${count}`, next) } })),
          ],
        }),
      );
      count = next;
    },
    async fillBig() {
      // The bare writes of the same 1,024 records, 25 to a batch.
      await batchPut(
        { doc, tableName: table },
        Array.from({ length: BIG_RECORDS }, (_, k) => record('big', `key-${k}`, BIG_VALUE, 1)),
      );
    },
    async readBig() {
      const [, first] = await Promise.all([head('big'), query('big', 0)]);
      let last = first.LastEvaluatedKey;
      while (last) {
        const page = await doc.send(new QueryCommand({ TableName: table, ...changes('big', 0), ConsistentRead: true, ExclusiveStartKey: last }));
        last = page.LastEvaluatedKey;
      }
    },
  };
}

if (process.argv[2] === 'child') {
  child(process.argv[3] ?? '').catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
