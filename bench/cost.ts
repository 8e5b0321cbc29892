/**
 * `npm run bench:cost`: what a sync cycle costs when deployed, in US dollars per million cycles, at
 * us-east-1 on-demand list prices; and what a GB-month of user data costs to keep. Writes
 * bench/results/cost.json. `npm run bench` prints the same summary (bench/run.ts calls benchCost).
 *
 * A cycle is what a device does to sync one dataset: ListRecords of the changes since its last sync
 * count (the records the previous cycle changed, as another device would see them), then one
 * UpdateRecords of `changed` records. It runs through the real store and domain service against
 * DynamoDB Local, with the capacity meter (lambdas/src/adapters/dynamodb/capacity-meter.ts) on the
 * client: the units AWS would bill, computed from the item sizes. Beside them, what DynamoDB Local
 * itself reports (ReturnConsumedCapacity), which is no guide (e.g. 4 units for any transaction).
 *
 * Dollars, all in, per cycle: 2 HTTP API requests, 2 Lambda requests, the Lambda GB-s of the two
 * calls at the functions' memory (lib/function-sizes.ts), and the DynamoDB request units. The Lambda
 * durations are the domain service's calls measured in this process: a lower bound of the billed
 * duration (no event parsing, SigV4 is API Gateway's, no cold starts, a local DynamoDB instead of the
 * network). Their CPU part is stretched to the function's CPU share (1,769 MB = 1 vCPU; this process
 * counts as one); the wait on DynamoDB is not.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CapacityMeter, schemaOf } from '../lambdas/src/adapters/dynamodb/capacity-meter';
import { DynamoDBSyncStore } from '../lambdas/src/adapters/dynamodb/sync-store';
import { ensureTable, tableDefinition } from '../lambdas/src/adapters/dynamodb/table-schema';
import { identityPartition } from '../lambdas/src/adapters/dynamodb/keys';
import { systemClock } from '../lambdas/src/domain/ports';
import { CognitoSyncService } from '../lambdas/src/domain/sync-service';
import { TokenCodec } from '../lambdas/src/domain/tokens';
import { createDynamoDBLocalClient, startDynamoDBLocal } from '../lambdas/local/emulators/dynamodb-local';
import { OPERATIONS } from '../lambdas/src/operations';
import { operationMemoryMb } from '../lib/function-sizes';
import { countLocalCapacity } from './request-units';

/** us-east-1 list prices, USD. DynamoDB on-demand after the November 2024 price cut. */
export const PRICES = {
  perMillionReadUnits: 0.125,
  perMillionWriteUnits: 0.625,
  /** HTTP API, first 300 million requests a month. */
  perMillionHttpRequests: 1.0,
  perMillionLambdaRequests: 0.2,
  /** arm64 (the functions' architecture, lib/sync-api.ts). */
  perLambdaGBSecond: 0.0000133334,
  /** Standard table class, table and index storage. */
  perGBMonthStorage: 0.25,
  /** Continuous backups (PITR), on the table's size. */
  perGBMonthPitr: 0.2,
} as const;

/** Cognito Sync: $0.15 per 10,000 sync operations (one ListRecords + one UpdateRecords), $0.15 per GB-month. */
export const COGNITO_SYNC = { perMillionCycles: 15, perGBMonth: 0.15 } as const;

/** The cycle's functions' memory as deployed without a `memorySize` override. */
export const CYCLE_MEMORY_MB = { list: operationMemoryMb(OPERATIONS.ListRecords), update: operationMemoryMb(OPERATIONS.UpdateRecords) } as const;
/** Lambda's memory for one full vCPU. */
const MB_PER_VCPU = 1769;
/** key + value bytes of each record: the datasets are made of records this size. */
const RECORD_BYTES = 100;
const CYCLES = Number(process.env.BENCH_COST_CYCLES ?? 5);

export interface CostCase {
  readonly name: 'cycle1Record2KB' | 'cycle10Records10KB' | 'cycle100Records100KB';
  readonly label: string;
  readonly datasetBytes: number;
  readonly changed: number;
}

export const COST_CASES: readonly CostCase[] = [
  { name: 'cycle1Record2KB', label: '1 record in 2 KB', datasetBytes: 2 * 1024, changed: 1 },
  { name: 'cycle10Records10KB', label: '10 records in 10 KB', datasetBytes: 10 * 1024, changed: 10 },
  { name: 'cycle100Records100KB', label: '100 records in 100 KB', datasetBytes: 100 * 1024, changed: 100 },
];

export interface CycleCost {
  readonly label: string;
  /** Billed units per cycle, from the meter. */
  readonly rru: number;
  readonly wru: number;
  /** Of which index writes (BySyncCount). */
  readonly indexWru: number;
  /** What DynamoDB Local reports per cycle (read, write). */
  readonly localReported: { read: number; write: number };
  readonly listMs: number;
  readonly updateMs: number;
  /** Of which CPU time in this process. */
  readonly listCpuMs: number;
  readonly updateCpuMs: number;
  /** Lambda GB-s per cycle, at CYCLE_MEMORY_MB. */
  readonly gbSeconds: number;
  /** The same calls' GB-s had both functions 1,024 MB (the size before lib/function-sizes.ts). */
  readonly gbSecondsAt1024: number;
  readonly dollars: { dynamodb: number; http: number; lambdaRequests: number; lambdaCompute: number; total: number };
}

export interface CostResults {
  readonly cases: Record<CostCase['name'], CycleCost>;
  readonly storage: { userBytes: number; tableBytes: number; indexBytes: number; perGBMonth: number; pitrPerGBMonth: number };
  readonly shadowMisses: number;
}

/** Wall and CPU milliseconds of `fn` (CPU of this process: the wait on DynamoDB Local is not in it). */
const elapsed = async <T>(fn: () => Promise<T>): Promise<[T, number, number]> => {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await fn();
  const cpu = process.cpuUsage(cpu0);
  return [result, Number(process.hrtime.bigint() - t0) / 1e6, (cpu.user + cpu.system) / 1000];
};

/** A call's billed GB-s at `memoryMb`: its CPU time stretched to the function's CPU share, its wait not. */
export function callGbSeconds(wallMs: number, cpuMs: number, memoryMb: number): number {
  const waitMs = Math.max(0, wallMs - cpuMs);
  const durationMs = waitMs + cpuMs * Math.max(1, MB_PER_VCPU / memoryMb);
  // Lambda bills each invocation's duration rounded up to the millisecond.
  return (Math.ceil(durationMs) / 1000) * (memoryMb / 1024);
}

export function cycleDollars(rru: number, wru: number, gbSeconds: number): CycleCost['dollars'] {
  const dynamodb = rru * PRICES.perMillionReadUnits + wru * PRICES.perMillionWriteUnits;
  const http = 2 * PRICES.perMillionHttpRequests;
  const lambdaRequests = 2 * PRICES.perMillionLambdaRequests;
  const lambdaCompute = gbSeconds * PRICES.perLambdaGBSecond * 1e6;
  return { dynamodb, http, lambdaRequests, lambdaCompute, total: dynamodb + http + lambdaRequests + lambdaCompute };
}

/** Runs the cost cases against the DynamoDB Local at `endpoint`, on a fresh table of their own. */
export async function benchCost(endpoint: string): Promise<CostResults> {
  const tableName = `cost-${randomUUID()}`;
  const client = createDynamoDBLocalClient(endpoint);
  await ensureTable(client, tableName);
  // The table is new and every write goes through this client, so the meter's shadow sees every item.
  const meter = new CapacityMeter(schemaOf(tableDefinition(tableName)), { sawEveryWrite: true }).install(client);
  const local = countLocalCapacity(client);
  const service = new CognitoSyncService({ store: new DynamoDBSyncStore(client, tableName), clock: systemClock, tokens: new TokenCodec(Buffer.alloc(32, 7)) });
  const principal = { kind: 'developer' as const, accountId: '000000000000' };
  const IdentityPoolId = 'us-east-1:00000000-0000-0000-0000-00000000c057';

  const cases = {} as Record<CostCase['name'], CycleCost>;
  let userBytes = 0;
  for (const costCase of COST_CASES) {
    const dataset = { IdentityPoolId, IdentityId: `us-east-1:${randomUUID()}`, DatasetName: 'cost' };
    const count = Math.round(costCase.datasetBytes / RECORD_BYTES);
    const keyOf = (i: number) => `key-${String(i).padStart(4, '0')}`;
    const recordValue = (i: number, round: number) => `${round}:`.padEnd(RECORD_BYTES - keyOf(i).length, String.fromCharCode(97 + (i % 26)));
    const syncCounts = new Map<string, number>();
    let lastSyncCount = 0;
    const update = async (keys: number[], round: number) => {
      const { SyncSessionToken } = await service.listRecords(principal, { ...dataset, LastSyncCount: lastSyncCount });
      const out = await service.updateRecords(principal, {
        ...dataset,
        SyncSessionToken,
        RecordPatches: keys.map((i) => ({ Op: 'replace', Key: keyOf(i), Value: recordValue(i, round), SyncCount: syncCounts.get(keyOf(i)) ?? 0 })),
      });
      for (const r of out.Records) syncCounts.set(r.Key as string, r.SyncCount as number);
    };
    await update(
      Array.from({ length: count }, (_, i) => i),
      0,
    );
    userBytes += count * RECORD_BYTES;

    const changedKeys = Array.from({ length: costCase.changed }, (_, i) => i);
    let rru = 0;
    let wru = 0;
    let indexWru = 0;
    let localRead = 0;
    let localWrite = 0;
    let listMs = 0;
    let updateMs = 0;
    let listCpuMs = 0;
    let updateCpuMs = 0;
    // One unmeasured cycle first, so that every measured listing returns the previous cycle's changes.
    for (let round = 1; round <= CYCLES + 1; round++) {
      meter.reset();
      const localBefore = { ...local };
      const [listed, listTime, listCpu] = await elapsed(async () => {
        let page = await service.listRecords(principal, { ...dataset, LastSyncCount: lastSyncCount });
        const first = page;
        while (page.NextToken) page = await service.listRecords(principal, { ...dataset, LastSyncCount: lastSyncCount, NextToken: page.NextToken });
        return first;
      });
      const [, updateTime, updateCpu] = await elapsed(async () => {
        const out = await service.updateRecords(principal, {
          ...dataset,
          SyncSessionToken: listed.SyncSessionToken,
          RecordPatches: changedKeys.map((i) => ({ Op: 'replace', Key: keyOf(i), Value: recordValue(i, round), SyncCount: syncCounts.get(keyOf(i)) ?? 0 })),
        });
        for (const r of out.Records) syncCounts.set(r.Key as string, r.SyncCount as number);
        return out;
      });
      lastSyncCount = (listed.DatasetSyncCount ?? 0) as number;
      if (round === 1) continue;
      const units = meter.totals();
      rru += units.read;
      wru += units.write;
      indexWru += units.indexWrite;
      localRead += local.read - localBefore.read;
      localWrite += local.write - localBefore.write;
      listMs += listTime;
      updateMs += updateTime;
      listCpuMs += listCpu;
      updateCpuMs += updateCpu;
    }
    const per = (n: number) => n / CYCLES;
    const gbSeconds = callGbSeconds(per(listMs), per(listCpuMs), CYCLE_MEMORY_MB.list) + callGbSeconds(per(updateMs), per(updateCpuMs), CYCLE_MEMORY_MB.update);
    cases[costCase.name] = {
      label: costCase.label,
      rru: per(rru),
      wru: per(wru),
      indexWru: per(indexWru),
      localReported: { read: per(localRead), write: per(localWrite) },
      listMs: per(listMs),
      updateMs: per(updateMs),
      listCpuMs: per(listCpuMs),
      updateCpuMs: per(updateCpuMs),
      gbSeconds,
      gbSecondsAt1024: callGbSeconds(per(listMs), per(listCpuMs), 1024) + callGbSeconds(per(updateMs), per(updateCpuMs), 1024),
      dollars: cycleDollars(per(rru), per(wru), gbSeconds),
    };
  }

  const stored = meter.storedBytes(identityPartition({ IdentityPoolId, IdentityId: '' }));
  const ratio = (stored.table + stored.indexes) / userBytes;
  return {
    cases,
    storage: {
      userBytes,
      tableBytes: stored.table,
      indexBytes: stored.indexes,
      perGBMonth: ratio * PRICES.perGBMonthStorage,
      // PITR is billed on the table's size, which includes its local secondary indexes.
      pitrPerGBMonth: ratio * PRICES.perGBMonthPitr,
    },
    shadowMisses: meter.shadowMisses,
  };
}

export function printCost(results: CostResults): void {
  const usd = (n: number) => `$${n.toFixed(2)}`.padStart(8);
  const units = (n: number) => n.toFixed(1).padStart(6);
  console.log('\nCost per million sync cycles (ListRecords of the changes + UpdateRecords), us-east-1 on-demand list prices');
  console.log(`  units billed by AWS's rules (capacity meter) beside what DynamoDB Local reports; Lambda arm64 at ${CYCLE_MEMORY_MB.list} MB (ListRecords)`);
  console.log(`  and ${CYCLE_MEMORY_MB.update} MB (UpdateRecords) (lib/function-sizes.ts), durations measured in-process (a lower bound; the CPU part`);
  console.log("  stretched to the function's CPU share, 1,769 MB = 1 vCPU); HTTP API $1.00/M; Cognito Sync charges $15.00 per million cycles\n");
  console.log(
    'case                   |    RRU    WRU (index) | Local RU   WRU | list ms upd ms |  GB-s/cycle | DynamoDB     HTTP   Lambda  Lambda GB-s |    total',
  );
  for (const c of Object.values(results.cases)) {
    const d = c.dollars;
    console.log(
      `${c.label.padEnd(22)} | ${units(c.rru)} ${units(c.wru)} ${units(c.indexWru)} | ${units(c.localReported.read)} ${units(c.localReported.write)} | ${c.listMs.toFixed(1).padStart(7)} ${c.updateMs.toFixed(1).padStart(6)} | ${c.gbSeconds.toFixed(4).padStart(11)} | ${usd(d.dynamodb)} ${usd(d.http)} ${usd(d.lambdaRequests)} ${usd(d.lambdaCompute).padStart(12)} | ${usd(d.total)}`,
    );
  }
  console.log('\nLambda GB-s per cycle at the chosen sizes, against both functions at 1,024 MB:');
  for (const c of Object.values(results.cases)) {
    const at1024 = c.gbSecondsAt1024 * PRICES.perLambdaGBSecond * 1e6;
    console.log(
      `  ${c.label.padEnd(22)} ${c.gbSeconds.toFixed(4)} GB-s (${usd(c.dollars.lambdaCompute).trim()}/M) vs ${c.gbSecondsAt1024.toFixed(4)} GB-s (${usd(at1024).trim()}/M)`,
    );
  }
  const s = results.storage;
  console.log(
    `\nStorage: ${s.userBytes} bytes of keys and values take ${s.tableBytes} bytes in the table and ${s.indexBytes} in the BySyncCount index (100 bytes per item and entry included):`,
  );
  console.log(
    `  ${usd(s.perGBMonth).trim()} per GB-month of user data (table + index at $0.25), PITR ${usd(s.pitrPerGBMonth).trim()} more; Cognito Sync: $0.15 per GB-month`,
  );
  if (results.shadowMisses > 0) console.log(`  (the meter met ${results.shadowMisses} items it had not seen: those figures are a lower bound)`);
}

export function costJson(results: CostResults): Record<string, number> {
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    cycle1Record2KB: round(results.cases.cycle1Record2KB.dollars.total),
    cycle10Records10KB: round(results.cases.cycle10Records10KB.dollars.total),
    cycle100Records100KB: round(results.cases.cycle100Records100KB.dollars.total),
    storagePerGBMonth: round(results.storage.perGBMonth),
    pitrPerGBMonth: round(results.storage.pitrPerGBMonth),
  };
}

export function writeCostJson(results: CostResults): string {
  const file = path.join(__dirname, 'results', 'cost.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(costJson(results), null, 2)}\n`);
  return file;
}

async function main(): Promise<void> {
  const dynamo = await startDynamoDBLocal({ inMemory: true });
  try {
    const results = await benchCost(dynamo.endpoint);
    printCost(results);
    console.log(`\nwrote ${path.relative(process.cwd(), writeCostJson(results))}`);
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
