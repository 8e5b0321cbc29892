/**
 * Latency measurement for `npm run bench` (bench/run.ts): the round-robin timer that takes the same
 * operation several ways call by call, its percentile summary, and the latency table it prints. Apart
 * from run.ts so that file keeps only the bench's setup and the list of operations it times.
 */

export const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const WARMUP = 30;

export interface Stats {
  p50: number;
  p99: number;
  perSecond: number;
}

const summarize = (samples: number[]): Stats => {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const totalSeconds = samples.reduce((a, b) => a + b, 0) / 1000;
  return { p50: at(0.5), p99: at(0.99), perSecond: samples.length / totalSeconds };
};

const elapsedMs = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

/**
 * Times each way of doing the same operation call by call, round robin, so that the JVM's warm-up
 * and the machine's noise weigh on all of them alike. `prepare` runs untimed before each round.
 */
export async function measureRounds<K extends string>(
  iterations: number,
  ways: Record<K, () => Promise<unknown>>,
  prepare?: () => Promise<unknown>,
): Promise<Record<K, Stats>> {
  const names = Object.keys(ways) as K[];
  for (let i = 0; i < WARMUP; i++) {
    for (const name of names) {
      await prepare?.();
      await ways[name]();
    }
  }
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < iterations; i++) {
    for (const name of names) {
      await prepare?.();
      samples[name].push(await elapsedMs(ways[name]));
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples[name])])) as Record<K, Stats>;
}

export interface Row {
  operation: string;
  endpoint: Stats;
  handler: Stats;
  floor: Stats;
}

export function printLatencyTable(rows: Row[]): void {
  const ms = (n: number) => n.toFixed(2).padStart(7);
  const cell = (x: Stats) => `${ms(x.p50)} ${ms(x.p99)} ${x.perSecond.toFixed(0).padStart(5)}`;
  console.log(`\nLatency in ms (${ITERATIONS} sequential calls each, the three ways taking turns)`);
  console.log('  endpoint: the v3 client against the local endpoint (HTTP, SigV4 both ways, handler, DynamoDB Local)');
  console.log('  handler:  the same entry point called in-process with the payload 2.0 event (what runs in Lambda)');
  console.log('  floor:    the same DynamoDB calls made directly with the SDK\n');
  console.log(
    'operation                 |    endpoint p50/p99, req/s |     handler p50/p99, req/s |       floor p50/p99, req/s | endpoint/floor | handler/floor',
  );
  for (const { operation, endpoint: e, handler: h, floor: f } of rows) {
    console.log(
      `${operation.padEnd(25)} | ${cell(e)} | ${cell(h)} | ${cell(f)} | ${(e.p50 / f.p50).toFixed(2).padStart(13)}x | ${(h.p50 / f.p50).toFixed(2).padStart(12)}x`,
    );
  }
}
