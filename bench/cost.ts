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
 * The records are 100 bytes of key and value, of two kinds (bench/dataset-values.ts): app state
 * (seeded JSON preferences and game state, what Cognito Sync datasets hold), for the headline
 * figures, and random base64 values, the worst case for the deflated single item
 * (compressed-records.ts), printed beside for the small datasets. Neither repeats a pad.
 *
 * Dollars, all in, per cycle: 2 HTTP API requests, 2 Lambda requests, the Lambda GB-s of the two
 * calls at the functions' memory (lib/function-sizes.ts), and the DynamoDB request units. A call's
 * billed duration is its CPU time plus its wait on DynamoDB:
 * - CPU: the domain service's calls measured in this process, warm (WARM_UP_CYCLES unmeasured cycles
 *   first, as a Lambda container serves many requests), stretched to the function's CPU share
 *   (1,769 MB = 1 vCPU; this process counts as one). A lower bound of the handler's work: no event
 *   parsing, no response writing, no cold starts. Timed on a second client without the meter, on
 *   datasets of its own, since the meter's bookkeeping is the bench's CPU, not the function's; over
 *   TIMED_SMALL_CYCLES cycles for the small cases (a mean over 20 was too noisy on a shared machine).
 *   `bench/function-memory.ts` times the same small sync through the bundles, handler and logs
 *   included, as a check.
 * - wait: DynamoDB Local's latency is not DynamoDB's (a JVM on this shared machine, often slower),
 *   so the headline figures assume DYNAMODB_MS_PER_CALL per DynamoDB call (AWS quotes single-digit
 *   milliseconds for GetItem and UpdateItem in the region); the wait measured against DynamoDB Local
 *   is printed beside, and in cost.json as `...LocalWait`.
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
import { recordKey, recordValue as datasetValue, type ValueKind } from './dataset-values';

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
const CYCLES = Number(process.env.BENCH_COST_CYCLES ?? 20);
/**
 * Cycles timed for CPU per small case (datasets of 10 KB or less): a mean over 20 moved by a third
 * from run to run on this shared machine, where a small cycle's CPU is a few milliseconds.
 */
const TIMED_SMALL_CYCLES = Number(process.env.BENCH_COST_TIMED_CYCLES ?? 200);
/** Unmeasured cycles first, so that the measured ones run warm (JIT, connections), as in a warm Lambda. */
const WARM_UP_CYCLES = Number(process.env.BENCH_COST_WARM_UP ?? 10);
/**
 * Cycles of a throwaway 2 KB dataset before the first case: the code paths of a small sync take a
 * few hundred calls to be optimised, and without this the first case measured pays for all of it
 * (its CPU per cycle was twice that of the same sync measured later in the run).
 */
const PROCESS_WARM_UP_CYCLES = Number(process.env.BENCH_COST_PROCESS_WARM_UP ?? 200);
/**
 * The modelled wait on one DynamoDB call from Lambda in the same region: an assumption, not a
 * measurement (AWS quotes single-digit milliseconds; a GetItem typically answers in 2-5 ms).
 */
export const DYNAMODB_MS_PER_CALL = 5;

export interface CostCase {
  readonly name: 'cycle1Record2KB' | 'cycle10Records10KB' | 'cycle100Records100KB' | 'cycle1Record2KBIncompressible' | 'cycle10Records10KBIncompressible';
  readonly label: string;
  readonly datasetBytes: number;
  readonly changed: number;
  readonly kind: ValueKind;
}

export const COST_CASES: readonly CostCase[] = [
  { name: 'cycle1Record2KB', label: '1 record in 2 KB', datasetBytes: 2 * 1024, changed: 1, kind: 'app-state' },
  { name: 'cycle10Records10KB', label: '10 records in 10 KB', datasetBytes: 10 * 1024, changed: 10, kind: 'app-state' },
  { name: 'cycle100Records100KB', label: '100 records in 100 KB', datasetBytes: 100 * 1024, changed: 100, kind: 'app-state' },
  { name: 'cycle1Record2KBIncompressible', label: '1 in 2 KB, random', datasetBytes: 2 * 1024, changed: 1, kind: 'incompressible' },
  { name: 'cycle10Records10KBIncompressible', label: '10 in 10 KB, random', datasetBytes: 10 * 1024, changed: 10, kind: 'incompressible' },
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
  /** DynamoDB calls of each. */
  readonly listCalls: number;
  readonly updateCalls: number;
  /** Lambda GB-s per cycle, at CYCLE_MEMORY_MB, with the modelled wait (DYNAMODB_MS_PER_CALL per call). */
  readonly gbSeconds: number;
  /** The same with the wait measured against DynamoDB Local. */
  readonly gbSecondsLocalWait: number;
  /** The modelled GB-s had both functions 1,024 MB (the size before lib/function-sizes.ts). */
  readonly gbSecondsAt1024: number;
  /** Both functions at each of SIZES_COMPARED_MB: the cycle's total and each call's modelled duration. */
  readonly bySize: readonly { memoryMb: number; total: number; listMs: number; updateMs: number }[];
  readonly dollars: { dynamodb: number; http: number; lambdaRequests: number; lambdaCompute: number; total: number };
  /** The total with the wait measured against DynamoDB Local. */
  readonly totalLocalWait: number;
}

/** One UpdateRecords measured alone: its billed units and what they cost per million such calls. */
export interface CallCost {
  readonly label: string;
  readonly rru: number;
  readonly wru: number;
  readonly indexWru: number;
  readonly calls: number;
  /** DynamoDB's part, per million such calls. */
  readonly dynamodbPerMillion: number;
  /** The same update's units without crossing the threshold (`extra` = the conversion's hidden cost). */
  readonly without?: { rru: number; wru: number; dynamodbPerMillion: number };
}

export interface StorageCost {
  readonly userBytes: number;
  readonly tableBytes: number;
  readonly indexBytes: number;
  readonly perGBMonth: number;
  readonly pitrPerGBMonth: number;
}

export interface CostResults {
  readonly cases: Record<CostCase['name'], CycleCost>;
  /** The largest update the limits allow, and the two conversions between layouts. */
  readonly calls: { largestUpdate: CallCost; conversionOut: CallCost; conversionIn: CallCost };
  /** Small datasets (the 2 KB and 10 KB cases: one item each; app state, and random values) and large ones (100 KB: per record). */
  readonly storage: { oneItem: StorageCost; oneItemIncompressible: StorageCost; perRecord: StorageCost };
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

/**
 * A call's billed GB-s at `memoryMb`: its CPU time stretched to the function's CPU share, its wait
 * not; the wait is `wallMs - cpuMs` as measured, or `waitMs` when given (the modelled wait).
 */
export function callGbSeconds(wallMs: number, cpuMs: number, memoryMb: number, waitMs = Math.max(0, wallMs - cpuMs)): number {
  // Lambda bills each invocation's duration rounded up to the millisecond.
  return (Math.ceil(callDurationMs(cpuMs, waitMs, memoryMb)) / 1000) * (memoryMb / 1024);
}

/** A call's modelled duration at `memoryMb`: its CPU time stretched to the function's CPU share, plus its wait. */
export const callDurationMs = (cpuMs: number, waitMs: number, memoryMb: number): number => waitMs + cpuMs * Math.max(1, MB_PER_VCPU / memoryMb);

/** The sizes the 2 KB cycle is priced at besides the chosen ones: what `-c memorySize=N` would cost and take. */
export const SIZES_COMPARED_MB = [128, 256, 384, 512, 1024, MB_PER_VCPU] as const;

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

  // The CPU and wall times come from a second service on a client without the meter and the local
  // capacity counter, running the same cycles on datasets of its own: the meter's bookkeeping (a shadow
  // of every item, re-marshalled outputs) is the bench's, not the function's, and took about as much
  // CPU as the calls themselves.
  const timingService = new CognitoSyncService({
    store: new DynamoDBSyncStore(createDynamoDBLocalClient(endpoint), tableName),
    clock: systemClock,
    tokens: new TokenCodec(Buffer.alloc(32, 7)),
  });

  const cases = {} as Record<CostCase['name'], CycleCost>;
  for (const svc of [service, timingService]) {
    const dataset = { IdentityPoolId, IdentityId: `us-east-1:${randomUUID()}`, DatasetName: 'warm-up' };
    const keys = Array.from({ length: 20 }, (_, i) => recordKey(i));
    let listed = await svc.listRecords(principal, dataset);
    for (let round = 0; round < PROCESS_WARM_UP_CYCLES; round++) {
      const patches = round === 0 ? keys : keys.slice(0, 1);
      const out = await svc.updateRecords(principal, {
        ...dataset,
        SyncSessionToken: listed.SyncSessionToken,
        RecordPatches: patches.map((Key, i) => ({
          Op: 'replace',
          Key,
          Value: datasetValue('app-state', i, round, RECORD_BYTES - Key.length),
          SyncCount: round === 0 ? 0 : round,
        })),
      });
      listed = await svc.listRecords(principal, { ...dataset, LastSyncCount: (out.Records[0]?.SyncCount as number) - 1 });
    }
  }
  const userBytesOf = new Map<CostCase['name'], { partition: string; bytes: number }>();
  /** Sets up the case's dataset through `svc`, then runs its cycles: units from the meter, times as measured. */
  const runCase = async (svc: Service, costCase: CostCase, cycles = CYCLES) => {
    const dataset = { IdentityPoolId, IdentityId: `us-east-1:${randomUUID()}`, DatasetName: 'cost' };
    const count = Math.round(costCase.datasetBytes / RECORD_BYTES);
    const keyOf = recordKey;
    const recordValue = (i: number, round: number) => datasetValue(costCase.kind, i, round, RECORD_BYTES - keyOf(i).length);
    const syncCounts = new Map<string, number>();
    let lastSyncCount = 0;
    const update = async (keys: number[], round: number) => {
      const { SyncSessionToken } = await svc.listRecords(principal, { ...dataset, LastSyncCount: lastSyncCount });
      const out = await svc.updateRecords(principal, {
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
    let listCalls = 0;
    let updateCalls = 0;
    // Unmeasured cycles first: every measured listing returns the previous cycle's changes, and the
    // code runs warm.
    for (let round = 1; round <= cycles + WARM_UP_CYCLES; round++) {
      meter.reset();
      const localBefore = { ...local };
      const [listed, listTime, listCpu] = await elapsed(async () => {
        let page = await svc.listRecords(principal, { ...dataset, LastSyncCount: lastSyncCount });
        const first = page;
        while (page.NextToken) page = await svc.listRecords(principal, { ...dataset, LastSyncCount: lastSyncCount, NextToken: page.NextToken });
        return first;
      });
      const listCallsOfRound = meter.log.length;
      const [, updateTime, updateCpu] = await elapsed(async () => {
        const out = await svc.updateRecords(principal, {
          ...dataset,
          SyncSessionToken: listed.SyncSessionToken,
          RecordPatches: changedKeys.map((i) => ({ Op: 'replace', Key: keyOf(i), Value: recordValue(i, round), SyncCount: syncCounts.get(keyOf(i)) ?? 0 })),
        });
        for (const r of out.Records) syncCounts.set(r.Key as string, r.SyncCount as number);
        return out;
      });
      lastSyncCount = (listed.DatasetSyncCount ?? 0) as number;
      if (round <= WARM_UP_CYCLES) continue;
      const units = meter.totals();
      listCalls += listCallsOfRound;
      updateCalls += units.calls - listCallsOfRound;
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
    return {
      partition: identityPartition(dataset),
      userBytes: count * RECORD_BYTES,
      rru,
      wru,
      indexWru,
      localRead,
      localWrite,
      listMs,
      updateMs,
      listCpuMs,
      updateCpuMs,
      listCalls,
      updateCalls,
    };
  };
  // Every small case once, unmeasured, through the timing service: without it the first cases paid
  // for the JIT (the 2 KB app-state case measured 6.1 ms of UpdateRecords CPU first, 2.9 ms after the others).
  for (const costCase of COST_CASES) if (costCase.datasetBytes <= 10 * 1024) await runCase(timingService, costCase);
  for (const costCase of COST_CASES) {
    const metered = await runCase(service, costCase);
    const timedCycles = costCase.datasetBytes <= 10 * 1024 ? TIMED_SMALL_CYCLES : CYCLES;
    const timed = await runCase(timingService, costCase, timedCycles);
    userBytesOf.set(costCase.name, { partition: metered.partition, bytes: metered.userBytes });
    const { rru, wru, indexWru, localRead, localWrite, listCalls, updateCalls } = metered;
    // Units and calls per metered cycle; times per timed cycle.
    const per = (n: number) => n / CYCLES;
    const listMs = timed.listMs / timedCycles;
    const updateMs = timed.updateMs / timedCycles;
    const listCpuMs = timed.listCpuMs / timedCycles;
    const updateCpuMs = timed.updateCpuMs / timedCycles;
    const cycleGbSeconds = (listMb: number, updateMb: number, modelled: boolean) =>
      callGbSeconds(listMs, listCpuMs, listMb, modelled ? per(listCalls) * DYNAMODB_MS_PER_CALL : undefined) +
      callGbSeconds(updateMs, updateCpuMs, updateMb, modelled ? per(updateCalls) * DYNAMODB_MS_PER_CALL : undefined);
    const gbSeconds = cycleGbSeconds(CYCLE_MEMORY_MB.list, CYCLE_MEMORY_MB.update, true);
    const gbSecondsLocalWait = cycleGbSeconds(CYCLE_MEMORY_MB.list, CYCLE_MEMORY_MB.update, false);
    cases[costCase.name] = {
      label: costCase.label,
      rru: per(rru),
      wru: per(wru),
      indexWru: per(indexWru),
      localReported: { read: per(localRead), write: per(localWrite) },
      listMs,
      updateMs,
      listCpuMs,
      updateCpuMs,
      listCalls: per(listCalls),
      updateCalls: per(updateCalls),
      gbSeconds,
      gbSecondsLocalWait,
      gbSecondsAt1024: cycleGbSeconds(1024, 1024, true),
      bySize: SIZES_COMPARED_MB.map((memoryMb) => ({
        memoryMb,
        total: cycleDollars(per(rru), per(wru), cycleGbSeconds(memoryMb, memoryMb, true)).total,
        listMs: callDurationMs(listCpuMs, per(listCalls) * DYNAMODB_MS_PER_CALL, memoryMb),
        updateMs: callDurationMs(updateCpuMs, per(updateCalls) * DYNAMODB_MS_PER_CALL, memoryMb),
      })),
      dollars: cycleDollars(per(rru), per(wru), gbSeconds),
      totalLocalWait: cycleDollars(per(rru), per(wru), gbSecondsLocalWait).total,
    };
  }

  // Storage is measured on the cases' datasets alone (the calls below are other identities).
  const storageOf = (names: CostCase['name'][]): StorageCost => {
    let userBytes = 0;
    let tableBytes = 0;
    let indexBytes = 0;
    for (const name of names) {
      const { partition, bytes } = userBytesOf.get(name)!;
      const stored = meter.storedBytes(partition);
      userBytes += bytes;
      tableBytes += stored.table;
      indexBytes += stored.indexes;
    }
    const ratio = (tableBytes + indexBytes) / userBytes;
    // PITR is billed on the table's size, which includes its local secondary indexes.
    return { userBytes, tableBytes, indexBytes, perGBMonth: ratio * PRICES.perGBMonthStorage, pitrPerGBMonth: ratio * PRICES.perGBMonthPitr };
  };
  const storage = {
    oneItem: storageOf(['cycle1Record2KB', 'cycle10Records10KB']),
    oneItemIncompressible: storageOf(['cycle1Record2KBIncompressible', 'cycle10Records10KBIncompressible']),
    perRecord: storageOf(['cycle100Records100KB']),
  };
  const calls = await benchCalls(service, meter);
  return {
    cases,
    storage,
    calls,
    shadowMisses: meter.shadowMisses,
  };
}

type Service = CognitoSyncService;

/**
 * Single UpdateRecords measured alone: the largest the limits allow (1,024 records of 1 KB, the
 * whole 1 MB dataset, rewritten at once), and one commit crossing the single-item threshold each way
 * beside the same commit that does not, so that the difference is the conversion's hidden cost.
 */
async function benchCalls(service: Service, meter: CapacityMeter): Promise<CostResults['calls']> {
  const principal = { kind: 'developer' as const, accountId: '000000000000' };
  const IdentityPoolId = 'us-east-1:00000000-0000-0000-0000-0000000ca115';
  const keyOf = (i: number) => `key-${String(i).padStart(4, '0')}`;
  // Random base64 values: a single item deflates them least (to about 3/4), so the conversions below
  // cross the threshold at counts that do not depend on how well app state happens to deflate.
  const recordValueOf = (i: number, round: number, bytes: number) => datasetValue('incompressible', i, round, bytes - keyOf(i).length);
  const makeDataset = () => ({ IdentityPoolId, IdentityId: `us-east-1:${randomUUID()}`, DatasetName: 'calls' });
  const counts = new Map<string, number>();
  /** ListRecords then UpdateRecords of `values`; `beforeUpdate` runs between the two (the meter's reset). */
  const update = async (dataset: ReturnType<typeof makeDataset>, values: Map<number, string>, beforeUpdate = () => {}) => {
    const { SyncSessionToken } = await service.listRecords(principal, dataset);
    beforeUpdate();
    const out = await service.updateRecords(principal, {
      ...dataset,
      SyncSessionToken,
      RecordPatches: [...values].map(([i, Value]) => ({
        Op: 'replace',
        Key: keyOf(i),
        Value,
        SyncCount: counts.get(`${dataset.IdentityId}/${keyOf(i)}`) ?? 0,
      })),
    });
    for (const r of out.Records) counts.set(`${dataset.IdentityId}/${r.Key}`, r.SyncCount as number);
  };
  const measured = async (label: string, dataset: ReturnType<typeof makeDataset>, values: Map<number, string>) => {
    await update(dataset, values, () => meter.reset());
    const units = meter.totals();
    return {
      label,
      rru: units.read,
      wru: units.write,
      indexWru: units.indexWrite,
      calls: units.calls,
      dynamodbPerMillion: units.read * PRICES.perMillionReadUnits + units.write * PRICES.perMillionWriteUnits,
    };
  };
  const range = (n: number, value: (i: number) => string) => new Map(Array.from({ length: n }, (_, i) => [i, value(i)] as const));

  // The largest: 1,024 records of 1,024 bytes of key and value (the 1 MB and 1,024-record limits), all replaced.
  const largest = makeDataset();
  await update(
    largest,
    range(1024, (i) => recordValueOf(i, 0, 1024)),
  );
  const largestUpdate = await measured(
    '1,024 records of 1 KB (1 MB), all replaced',
    largest,
    range(1024, (i) => recordValueOf(i, 1, 1024)),
  );

  // Out of one item: 205 records of 100 bytes (20 KB, deflated to 15.5 KB: one item); one record
  // grows by 2 KB and takes the item over 16 KB. Beside it, the same record growing by 100 bytes (it stays).
  const crossing = async (grow: number) => {
    const dataset = makeDataset();
    await update(
      dataset,
      range(205, (i) => recordValueOf(i, 0, 100)),
    );
    return measured(
      grow > 1000 ? 'out of one item: 205 records of 100 B, one grows by 2 KB' : 'the same, growing by 100 B',
      dataset,
      new Map([[0, recordValueOf(0, 1, 100 + grow)]]),
    );
  };
  const stays = await crossing(100);
  const out = await crossing(2048);

  // Back into one item: 60 records of 400 bytes (24 KB, deflated to 18 KB: per record) of which 50
  // shrink to 100 bytes in one update, taking the dataset's bound under half the threshold. Beside
  // it, 50 shrinking to 300 (it stays per record).
  const shrinking = async (to: number) => {
    const dataset = makeDataset();
    await update(
      dataset,
      range(60, (i) => recordValueOf(i, 0, 400)),
    );
    await update(dataset, new Map([[0, recordValueOf(0, 1, 420)]])); // the dataset is per record now
    return measured(
      to < 200 ? 'back into one item: 60 records of 400 B, 50 shrink to 100 B' : 'the same, shrinking to 300 B',
      dataset,
      range(50, (i) => recordValueOf(i, 2, to)),
    );
  };
  const staysOut = await shrinking(300);
  const back = await shrinking(100);
  const withBaseline = (call: CallCost, baseline: CallCost): CallCost => ({
    ...call,
    without: { rru: baseline.rru, wru: baseline.wru, dynamodbPerMillion: baseline.dynamodbPerMillion },
  });
  return { largestUpdate, conversionOut: withBaseline(out, stays), conversionIn: withBaseline(back, staysOut) };
}

export function printCost(results: CostResults): void {
  const usd = (n: number) => `$${n.toFixed(2)}`.padStart(8);
  const units = (n: number) => n.toFixed(1).padStart(6);
  console.log('\nCost per million sync cycles (ListRecords of the changes + UpdateRecords), us-east-1 on-demand list prices');
  console.log(`  units billed by AWS's rules (capacity meter) beside what DynamoDB Local reports; Lambda arm64 at ${CYCLE_MEMORY_MB.list} MB (ListRecords)`);
  console.log(`  and ${CYCLE_MEMORY_MB.update} MB (UpdateRecords) (lib/function-sizes.ts): CPU measured in-process, warm, stretched to the function's`);
  console.log(`  CPU share (1,769 MB = 1 vCPU), plus an assumed ${DYNAMODB_MS_PER_CALL} ms per DynamoDB call ("local wait": DynamoDB Local's, as measured);`);
  console.log('  HTTP API $1.00/M; values: app state (JSON), or random base64; Cognito Sync charges $15.00 per million cycles\n');
  console.log(
    'case                   |    RRU    WRU (index) | Local RU   WRU | calls | list ms (CPU) upd ms (CPU) |  GB-s/cycle | DynamoDB     HTTP   Lambda  Lambda GB-s |    total | local wait',
  );
  for (const c of Object.values(results.cases)) {
    const d = c.dollars;
    const ms = (wall: number, cpu: number) => `${wall.toFixed(1).padStart(6)} (${cpu.toFixed(1).padStart(4)})`;
    console.log(
      `${c.label.padEnd(22)} | ${units(c.rru)} ${units(c.wru)} ${units(c.indexWru)} | ${units(c.localReported.read)} ${units(c.localReported.write)} | ${String(c.listCalls + c.updateCalls).padStart(5)} | ${ms(c.listMs, c.listCpuMs)} ${ms(c.updateMs, c.updateCpuMs)} | ${c.gbSeconds.toFixed(4).padStart(11)} | ${usd(d.dynamodb)} ${usd(d.http)} ${usd(d.lambdaRequests)} ${usd(d.lambdaCompute).padStart(12)} | ${usd(d.total)} | ${usd(c.totalLocalWait)}`,
    );
  }
  console.log('\nLambda GB-s per cycle at the chosen sizes (modelled wait; with the local wait), against both functions at 1,024 MB:');
  for (const c of Object.values(results.cases)) {
    const dollars = (gbs: number) => usd(gbs * PRICES.perLambdaGBSecond * 1e6).trim();
    console.log(
      `  ${c.label.padEnd(22)} ${c.gbSeconds.toFixed(4)} GB-s (${dollars(c.gbSeconds)}/M; local wait ${c.gbSecondsLocalWait.toFixed(4)}, ${dollars(c.gbSecondsLocalWait)}/M) vs ${c.gbSecondsAt1024.toFixed(4)} GB-s (${dollars(c.gbSecondsAt1024)}/M)`,
    );
  }
  const small = results.cases.cycle1Record2KB;
  console.log(
    `\nThe ${small.label} cycle with both functions at other sizes (-c memorySize=N; the same CPU and calls): $ per million, all in,\nand each call's modelled duration (its CPU stretched to the size's CPU share, plus ${DYNAMODB_MS_PER_CALL} ms per DynamoDB call):`,
  );
  for (const size of small.bySize) {
    const chosen = size.memoryMb === CYCLE_MEMORY_MB.list && size.memoryMb === CYCLE_MEMORY_MB.update ? '  (the chosen sizes)' : '';
    console.log(
      `  ${String(size.memoryMb).padStart(5)} MB  ${usd(size.total)}   ListRecords ${size.listMs.toFixed(1).padStart(5)} ms   UpdateRecords ${size.updateMs.toFixed(1).padStart(5)} ms   cycle ${(size.listMs + size.updateMs).toFixed(1).padStart(5)} ms${chosen}`,
    );
  }
  for (const [label, s] of [
    ['small datasets (2 KB and 10 KB, one item each)', results.storage.oneItem],
    ['the same with random values', results.storage.oneItemIncompressible],
    ['a large dataset (100 KB, per record)', results.storage.perRecord],
  ] as const) {
    console.log(
      `\nStorage of ${label}: ${s.userBytes} bytes of keys and values take ${s.tableBytes} bytes in the table and ${s.indexBytes} in the BySyncCount index (100 bytes per item and entry included):`,
    );
    console.log(
      `  ${usd(s.perGBMonth).trim()} per GB-month of user data (table + index at $0.25), PITR ${usd(s.pitrPerGBMonth).trim()} more; Cognito Sync: $0.15 per GB-month`,
    );
  }
  console.log('\nSingle UpdateRecords, DynamoDB units only (the conversions beside the same update that does not cross the threshold):');
  for (const c of Object.values(results.calls)) {
    const extra = c.without
      ? `; without converting ${units(c.without.rru).trim()} RRU ${units(c.without.wru).trim()} WRU: the conversion costs ${usd(c.dynamodbPerMillion - c.without.dynamodbPerMillion).trim()} per million more`
      : '';
    console.log(`  ${c.label}: ${c.calls} calls, ${c.rru} RRU, ${c.wru} WRU (${c.indexWru} index), ${usd(c.dynamodbPerMillion).trim()} per million${extra}`);
  }
  if (results.shadowMisses > 0) console.log(`  (the meter met ${results.shadowMisses} items it had not seen: those figures are a lower bound)`);
}

export function costJson(results: CostResults): Record<string, number> {
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    cycle1Record2KB: round(results.cases.cycle1Record2KB.dollars.total),
    cycle10Records10KB: round(results.cases.cycle10Records10KB.dollars.total),
    cycle100Records100KB: round(results.cases.cycle100Records100KB.dollars.total),
    // The worst case for the deflated single item: random base64 values.
    cycle1Record2KBIncompressible: round(results.cases.cycle1Record2KBIncompressible.dollars.total),
    cycle10Records10KBIncompressible: round(results.cases.cycle10Records10KBIncompressible.dollars.total),
    // The same cycles with the wait measured against DynamoDB Local instead of the modelled one.
    cycle1Record2KBLocalWait: round(results.cases.cycle1Record2KB.totalLocalWait),
    cycle10Records10KBLocalWait: round(results.cases.cycle10Records10KB.totalLocalWait),
    cycle100Records100KBLocalWait: round(results.cases.cycle100Records100KB.totalLocalWait),
    // The 2 KB cycle with both functions at other sizes (what `-c memorySize=N` would cost).
    ...Object.fromEntries(results.cases.cycle1Record2KB.bySize.map((size) => [`cycle1Record2KBAt${size.memoryMb}MB`, round(size.total)])),
    // Datasets up to the single-item threshold (most: docs/decisions.md); larger ones beside.
    storagePerGBMonth: round(results.storage.oneItem.perGBMonth),
    pitrPerGBMonth: round(results.storage.oneItem.pitrPerGBMonth),
    storagePerGBMonthIncompressible: round(results.storage.oneItemIncompressible.perGBMonth),
    storagePerGBMonthPerRecordLayout: round(results.storage.perRecord.perGBMonth),
    pitrPerGBMonthPerRecordLayout: round(results.storage.perRecord.pitrPerGBMonth),
    largestUpdateDynamoDBPerMillion: round(results.calls.largestUpdate.dynamodbPerMillion),
    conversionOutExtraPerMillion: round(results.calls.conversionOut.dynamodbPerMillion - (results.calls.conversionOut.without?.dynamodbPerMillion ?? 0)),
    conversionInExtraPerMillion: round(results.calls.conversionIn.dynamodbPerMillion - (results.calls.conversionIn.without?.dynamodbPerMillion ?? 0)),
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
