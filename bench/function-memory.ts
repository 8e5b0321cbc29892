/**
 * Peak RSS and duration per kind of function, to size each one (lib/function-sizes.ts). Each kind's
 * bundle, built with the stack's esbuild settings, runs in a fresh plain Node process with the
 * functions' NODE_OPTIONS and the heap limits Lambda's Node.js runtime sets for the size measured
 * (its bootstrap: a tenth of the memory for the young generation, half of that per semi-space, the
 * rest for the old one), as Lambda runs it: the process requires the bundle, calls its handler with
 * payload 2.0 events one after the other against DynamoDB Local, and reports its peak RSS and each
 * call's wall and CPU time. The events are made here (UpdateRecords needs a session token from a
 * ListRecords), so the child holds only the bundle. The largest update is measured at the sizes a
 * write function could have, so the table shows what a smaller one would risk.
 *
 *   npx tsx bench/function-memory.ts
 *
 * Kinds: a read (ListRecords of a dataset at its limits: 1,024 records, about 1 MB, page by page),
 * the largest UpdateRecords the limits allow (1,024 patches of 1,000-byte values, about 1 MB), the
 * common sync cycle (ListRecords, then UpdateRecords of 1 record, of a 2 KB dataset of app state, many
 * times: its warm CPU per call is what the cost bench's GB-s rest on), and the unknown-route function
 * (a 404: the baseline of a bundle that does nothing; every operation is available, so no 501 is left).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ensureTable } from '../lambdas/src/adapters/dynamodb/table-schema';
import { createDynamoDBLocalClient, startDynamoDBLocal } from '../lambdas/local/emulators/dynamodb-local';
import { recordKey, recordValue } from './dataset-values';
import { callDurationMs } from './cost';
import { identityEvents } from './identity-events';
import { esbuildOptions, handlerEntry, LAMBDA_BUNDLING, NODE_OPTIONS, PROJECT_ROOT, UNKNOWN_ROUTE } from '../lib/bundling';
import { MEMORY_BY_ACCESS_MB, operationMemoryMb, UNKNOWN_ROUTE_MEMORY_MB } from '../lib/function-sizes';
import { OPERATIONS } from '../lambdas/src/operations';

const run = promisify(execFile);
const RUNS = 3;
/** Calls of the small sync cycle per bundle: warm figures are the median of the second half (the JIT is done by then). */
const SMALL_RUNS = 2000;
/** The write function's candidate sizes the largest update is measured at (lib/function-sizes.ts chose one). */
const WRITE_SIZES_MB = [256, 384, MEMORY_BY_ACCESS_MB.write];

/** The V8 heap limits Lambda's Node.js runtime starts a function of `memoryMb` with (its bootstrap script). */
export function lambdaHeapFlags(memoryMb: number): string {
  const young = Math.floor(memoryMb / 10);
  return `--max-semi-space-size=${Math.floor(young / 2)} --max-old-space-size=${memoryMb - young}`;
}
const RECORDS = 1024;
/** 1,000 bytes of random base64 per record: a repeated character would deflate into one item (compressed-records.ts). */
const largeValue = (k: number) => recordValue('incompressible', k, 0, 1000);

// The child: plain CommonJS, nothing but the bundle. argv: bundle, events file, memory size, report
// file (its stdout carries the function's logs, as in Lambda). The peak RSS is the kernel's high-water
// mark (getrusage), so nothing samples it while the calls are timed.
const CHILD = `
const { readFileSync, writeFileSync } = require('node:fs');
const { handler } = require(process.argv[1]);
const events = JSON.parse(readFileSync(process.argv[2], 'utf8'));
(async () => {
  const calls = [];
  for (const event of events) {
    const context = { awsRequestId: String(calls.length), functionName: 'bench', memoryLimitInMB: process.argv[3], getRemainingTimeInMillis: () => 29000 };
    const cpu0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
    const result = await handler(event, context);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6; const cpu = process.cpuUsage(cpu0);
    calls.push({ status: result.statusCode, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  writeFileSync(process.argv[4], JSON.stringify({ peakRssMb: process.resourceUsage().maxRSS / 1024, calls }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

export interface KindMeasurement {
  readonly kind: string;
  /** The size whose heap limits the process ran with. */
  readonly memoryMb: number;
  readonly peakRssMb: number;
  /** The first call (cold: clients, secret, first connection) and the median warm call (of the second half). */
  readonly first: { wallMs: number; cpuMs: number };
  readonly warm: { wallMs: number; cpuMs: number };
  readonly statuses: readonly number[];
}

async function main(): Promise<void> {
  const { build } = await import('esbuild');
  const outdir = path.join(PROJECT_ROOT, '.bench', 'function-memory');
  const dynamo = await startDynamoDBLocal({ inMemory: true });
  try {
    const table = `sizes-${randomUUID()}`;
    await ensureTable(createDynamoDBLocalClient(dynamo.endpoint), table);
    const env = {
      PATH: process.env.PATH ?? '',
      SYNC_TABLE_NAME: table,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      SYNC_TOKEN_KEY: '11'.repeat(32),
      // As deployed: a log line and a metrics line per call (to the child's stdout, as Lambda's runtime takes them).
      SYNC_OBSERVABILITY: 'on',
      AWS_REGION: 'us-east-1',
    };
    // The in-process endpoint, to make the data and the session tokens the events need.
    const { loadConfig } = await import('../lambdas/src/config');
    const { createRuntime } = await import('../lambdas/src/runtime');
    const { createDispatch } = await import('../lambdas/local/http/dispatch');
    const dispatch = createDispatch({ resolveService: createRuntime(loadConfig(env)).records });
    const pool = `us-east-1:${randomUUID()}`;
    const identity = `us-east-1:${randomUUID()}`;
    const { base, event } = identityEvents(pool, identity);
    const call = async (method: string, rawPath: string, query = '', body?: object) => {
      const result = await dispatch(event(method, rawPath, query, body));
      if (result.statusCode !== 200) throw new Error(`${method} ${rawPath}: ${result.body}`);
      return JSON.parse(result.body) as { SyncSessionToken: string; NextToken?: string };
    };
    const largestUpdate = async (dataset: string) => {
      const { SyncSessionToken } = await call('GET', `${base}/${dataset}/records`);
      const patches = Array.from({ length: RECORDS }, (_, k) => ({ Op: 'replace', Key: `key-${k}`, Value: largeValue(k), SyncCount: 0 }));
      return event('POST', `${base}/${dataset}`, '', { SyncSessionToken, RecordPatches: patches });
    };

    // The full dataset to read, written through the in-process endpoint.
    await dispatch(await largestUpdate('full'));
    const fullRead = async () => {
      const events = [];
      let next: string | undefined;
      do {
        events.push(event('GET', `${base}/full/records`, next ? `nextToken=${encodeURIComponent(next)}` : ''));
        next = (await call('GET', `${base}/full/records`, next ? `nextToken=${encodeURIComponent(next)}` : '')).NextToken;
      } while (next);
      return events;
    };
    const readEvents = (await Promise.all(Array.from({ length: RUNS }, fullRead))).flat();
    // Each size's run writes datasets of its own: the same events again would conflict.
    const writeEvents = (memoryMb: number) => Promise.all(Array.from({ length: RUNS }, (_, i) => largestUpdate(`write-${memoryMb}-${i}`)));
    // The small sync: 20 records of app state (2 KB), then record 0 changed once per event. The
    // record's sync count after the i-th change is i + 2 (the dataset's count), so event i names i + 1.
    const smallKeys = Array.from({ length: 20 }, (_, i) => recordKey(i));
    const small = await call('GET', `${base}/small/records`);
    await dispatch(
      event('POST', `${base}/small`, '', {
        SyncSessionToken: small.SyncSessionToken,
        RecordPatches: smallKeys.map((Key, i) => ({ Op: 'replace', Key, Value: recordValue('app-state', i, 0, 100 - Key.length), SyncCount: 0 })),
      }),
    );
    const smallToken = (await call('GET', `${base}/small/records`)).SyncSessionToken;
    const smallUpdates = Array.from({ length: SMALL_RUNS }, (_, i) =>
      event('POST', `${base}/small`, '', {
        SyncSessionToken: smallToken,
        RecordPatches: [{ Op: 'replace', Key: smallKeys[0], Value: recordValue('app-state', 0, i + 1, 100 - smallKeys[0].length), SyncCount: i + 1 }],
      }),
    );
    const smallLists = Array.from({ length: SMALL_RUNS }, () => event('GET', `${base}/small/records`, 'lastSyncCount=1'));
    const kinds: { kind: string; bundle: string; events: unknown[]; memoryMb: number }[] = [
      { kind: 'read (ListRecords, 1 MB dataset)', bundle: 'ListRecords', events: readEvents, memoryMb: MEMORY_BY_ACCESS_MB.read },
      ...(await Promise.all(
        WRITE_SIZES_MB.map(async (memoryMb) => ({
          kind: 'write (UpdateRecords, 1,024 patches, 1 MB)',
          bundle: 'UpdateRecords',
          events: await writeEvents(memoryMb),
          memoryMb,
        })),
      )),
      { kind: 'small sync: ListRecords of 2 KB', bundle: 'ListRecords', events: smallLists, memoryMb: operationMemoryMb(OPERATIONS.ListRecords) },
      { kind: 'small sync: UpdateRecords, 1 in 2 KB', bundle: 'UpdateRecords', events: smallUpdates, memoryMb: operationMemoryMb(OPERATIONS.UpdateRecords) },
      {
        kind: 'unknown route (404)',
        bundle: UNKNOWN_ROUTE,
        events: Array.from({ length: RUNS }, () => event('GET', '/nowhere')),
        memoryMb: UNKNOWN_ROUTE_MEMORY_MB,
      },
    ];

    const results: KindMeasurement[] = [];
    for (const k of kinds) {
      const dir = path.join(outdir, k.bundle);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'index.js');
      await build(esbuildOptions(LAMBDA_BUNDLING, handlerEntry(k.bundle as Parameters<typeof handlerEntry>[0]), file));
      const eventsFile = path.join(dir, 'events.json');
      writeFileSync(eventsFile, JSON.stringify(k.events));
      const childEnv = { ...env, NODE_OPTIONS: `${NODE_OPTIONS} ${lambdaHeapFlags(k.memoryMb)}` };
      const reportFile = path.join(dir, 'report.json');
      await run(process.execPath, ['-e', CHILD, file, eventsFile, String(k.memoryMb), reportFile], { env: childEnv, maxBuffer: 1 << 28 });
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { peakRssMb: number; calls: { status: number; wallMs: number; cpuMs: number }[] };
      const [first, ...rest] = report.calls;
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      const warm = rest.slice(Math.floor(rest.length / 2));
      results.push({
        kind: k.kind,
        memoryMb: k.memoryMb,
        peakRssMb: report.peakRssMb,
        first: { wallMs: first.wallMs, cpuMs: first.cpuMs },
        warm: { wallMs: median(warm.map((c) => c.wallMs)), cpuMs: median(warm.map((c) => c.cpuMs)) },
        statuses: [...new Set(report.calls.map((c) => c.status))],
      });
    }
    console.log('\nPer kind of function: fresh process, the bundle as deployed, under the heap limits of its size (this machine, not Lambda)');
    console.log('"cold CPU at size": the first call\'s CPU stretched to the size\'s CPU share (1,769 MB = 1 vCPU), its wait on DynamoDB not included\n');
    console.log(
      'kind                                          |   MB | peak RSS MB (x of MB) | first call wall/CPU ms | cold CPU at size s | warm call wall/CPU ms | status',
    );
    for (const r of results) {
      const share = `${r.peakRssMb.toFixed(1)} (${(r.memoryMb / r.peakRssMb).toFixed(1)}x)`;
      const stretched = callDurationMs(r.first.cpuMs, 0, r.memoryMb) / 1000;
      console.log(
        `${r.kind.padEnd(45)} | ${String(r.memoryMb).padStart(4)} | ${share.padStart(21)} | ${r.first.wallMs.toFixed(1).padStart(10)} ${r.first.cpuMs.toFixed(1).padStart(10)} | ${stretched.toFixed(2).padStart(18)} | ${r.warm.wallMs.toFixed(1).padStart(9)} ${r.warm.cpuMs.toFixed(2).padStart(10)} | ${r.statuses.join(',')}`,
      );
    }
  } finally {
    await dynamo.stop();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
