/**
 * One fuzzing campaign against a running local endpoint: make the world, snapshot the victims,
 * send the hostile requests a few at a time, snapshot again, and report. Shared by `npm run fuzz`
 * (test/fuzz/run.ts) and the seeded run in `npm test` (test/fuzz/hostile.test.ts).
 *
 * A campaign fails on three things only, each a property the service promises whatever it is sent:
 * a 5xx other than 501 (the operations that are not available yet), a connection dropped or left
 * hanging without an answer, and any change to the victims' data.
 */
import { generate, type HostileRequest } from './generator';
import { compareSnapshots, takeSnapshot, type SnapshotTarget } from './snapshot';
import type { SigningCredentials } from './sign';
import { send, type Outcome } from './wire';
import { makeWorld, type World } from './world';

export interface CampaignOptions {
  readonly url: string;
  readonly region: string;
  readonly developer: SigningCredentials;
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly seed: number;
  readonly requests: number;
  /** Stop sending new requests after this long (the snapshot still runs). */
  readonly maxSeconds: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Send only these request indexes (reproducing a failure). */
  readonly only?: readonly number[];
  /** Called now and then with the number of requests answered. */
  readonly onProgress?: (done: number, total: number) => void;
}

export type FailureClass = '5xx' | 'dropped' | 'timeout';

export interface Failure {
  readonly kind: FailureClass;
  readonly request: HostileRequest;
  readonly outcome: Outcome;
}

export interface CampaignReport {
  readonly seed: number;
  /** Requests sent and answered (or failed). */
  readonly sent: number;
  readonly planned: number;
  readonly stoppedByTime: boolean;
  readonly seconds: number;
  /** `status x-amzn-ErrorType` (or `-`) → count; `dropped` and `timeout` for the connections that got no answer. */
  readonly table: ReadonlyMap<string, number>;
  readonly failures: readonly Failure[];
  /** Error answers without `x-amzn-ErrorType` (Node's bare 400s): reported, not failed on. */
  readonly untyped: readonly Omit<Failure, 'kind'>[];
  readonly victimChanges: readonly string[];
  /** The slowest answers, for spotting near-hangs: `ms` and the request's description. */
  readonly slowest: readonly { readonly ms: number; readonly description: string; readonly status: string }[];
  readonly ok: boolean;
}

function classify(outcome: Outcome): FailureClass | undefined {
  if (outcome.kind !== 'response') return outcome.kind;
  if (outcome.status >= 500 && outcome.status !== 501) return '5xx';
  return undefined;
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const started = Date.now();
  const world: World = await makeWorld(options);
  const target: SnapshotTarget = options;
  const before = await takeSnapshot(target, world.victims);
  // The snapshot itself must not change anything: take it twice.
  const again = await takeSnapshot(target, world.victims);
  const unstable = compareSnapshots(before, again);
  if (unstable.length > 0) throw new Error(`taking a snapshot changed the victims' data:\n${unstable.join('\n')}`);

  const indexes = options.only ?? Array.from({ length: options.requests }, (_, i) => i);
  const deadline = Date.now() + options.maxSeconds * 1000;
  const table = new Map<string, number>();
  const failures: Failure[] = [];
  const untyped: Omit<Failure, 'kind'>[] = [];
  let next = 0;
  let sent = 0;
  let stoppedByTime = false;
  const timings: { ms: number; description: string; status: string }[] = [];

  const worker = async () => {
    for (;;) {
      if (next >= indexes.length) return;
      if (Date.now() > deadline) {
        stoppedByTime = true;
        return;
      }
      const index = indexes[next++];
      const request = await generate(world, options.seed, index);
      const outcome = await send(world.port, request.wire, options.timeoutMs);
      sent++;
      timings.push({ ms: outcome.ms, description: request.description, status: outcome.kind === 'response' ? String(outcome.status) : outcome.kind });
      if (timings.length > 50) {
        timings.sort((a, b) => b.ms - a.ms);
        timings.length = 10;
      }
      const key = outcome.kind === 'response' ? `${outcome.status} ${outcome.headers['x-amzn-errortype'] ?? '-'}` : outcome.kind;
      table.set(key, (table.get(key) ?? 0) + 1);
      const kind = classify(outcome);
      if (kind) failures.push({ kind, request, outcome });
      else if (outcome.kind === 'response' && outcome.status >= 400 && !outcome.headers['x-amzn-errortype']) {
        untyped.push({ request, outcome });
      }
      if (sent % 250 === 0) options.onProgress?.(sent, indexes.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));

  const after = await takeSnapshot(target, world.victims);
  const victimChanges = compareSnapshots(before, after);
  failures.sort((a, b) => a.request.index - b.request.index);
  untyped.sort((a, b) => a.request.index - b.request.index);
  return {
    seed: options.seed,
    sent,
    planned: indexes.length,
    stoppedByTime,
    seconds: (Date.now() - started) / 1000,
    table,
    failures,
    untyped,
    victimChanges,
    slowest: timings.sort((a, b) => b.ms - a.ms).slice(0, 5),
    ok: failures.length === 0 && victimChanges.length === 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

/** A string with control, non-ASCII and overlong parts made visible and bounded. */
function visible(text: string, max: number): string {
  const shown = text.length > max ? `${text.slice(0, max)}… (${text.length} chars in all)` : text;
  return JSON.stringify(shown);
}

function describeRequest(request: HostileRequest): string {
  const { wire } = request;
  const lines = [`  ${request.description}`, `  > ${visible(`${wire.method} ${wire.target} ${wire.version ?? 'HTTP/1.1'}`, 400)}`];
  const headers = wire.headers.length > 40 ? [...wire.headers.slice(0, 40), ['…', `${wire.headers.length - 40} more headers`] as const] : wire.headers;
  for (const [name, value] of headers) lines.push(`  > ${visible(`${name}: ${value}`, 300)}`);
  if (wire.chunked) lines.push('  > (body sent chunked)');
  if (wire.body.length > 0) lines.push(`  > body (${wire.body.length} bytes, latin1): ${visible(wire.body.toString('latin1'), 600)}`);
  return lines.join('\n');
}

function describeOutcome(outcome: Outcome): string {
  if (outcome.kind !== 'response') {
    return `  < ${outcome.kind} after ${outcome.ms} ms: ${outcome.reason}; received ${visible(outcome.received.toString('latin1'), 400)}`;
  }
  const lines = [`  < ${outcome.status} after ${outcome.ms} ms`];
  for (const [name, value] of Object.entries(outcome.headers)) lines.push(`  < ${name}: ${value}`);
  lines.push(`  < ${visible(outcome.body.toString('utf8'), 600)}`);
  return lines.join('\n');
}

export interface FormatOptions {
  /** How many failing requests to print in full. */
  readonly show?: number;
  /** The command that reproduces one request, given its index. */
  readonly reproduce?: (seed: number, indexes: readonly number[]) => string;
}

export function formatReport(report: CampaignReport, options: FormatOptions = {}): string {
  const show = options.show ?? 5;
  const reproduce = options.reproduce ?? ((seed: number, indexes: readonly number[]) => `npm run fuzz -- --seed ${seed} --only ${indexes.join(',')}`);
  const out: string[] = [];
  out.push(
    `seed ${report.seed}: ${report.sent} of ${report.planned} requests in ${report.seconds.toFixed(1)} s` +
      (report.stoppedByTime ? ' (stopped by --max-seconds)' : ''),
  );
  out.push('', '  count  status  x-amzn-ErrorType');
  const rows = [...report.table.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [key, count] of rows) {
    const [status, ...type] = key.split(' ');
    out.push(`  ${String(count).padStart(5)}  ${status.padEnd(6)}  ${type.join(' ')}`);
  }
  const byKind = (kind: FailureClass) => report.failures.filter((f) => f.kind === kind).length;
  out.push(
    '',
    `5xx other than 501: ${byKind('5xx')}   dropped connections: ${byKind('dropped')}   timeouts: ${byKind('timeout')}   ` +
      `victim changes: ${report.victimChanges.length}`,
  );
  out.push(`slowest: ${report.slowest.map((t) => `${t.ms} ms (${t.status}) ${t.description.slice(0, 160)}`).join('\n         ')}`);
  if (report.untyped.length > 0) {
    out.push(
      `(not failed on) error answers without x-amzn-ErrorType: ${report.untyped.length}, e.g. ${report.untyped
        .slice(0, 3)
        .map((f) => `#${f.request.index}`)
        .join(' ')}`,
    );
  }
  if (report.failures.length > 0) {
    out.push('', `First ${Math.min(show, report.failures.length)} of ${report.failures.length} failing requests:`);
    for (const failure of report.failures.slice(0, show)) {
      out.push('', `[${failure.kind}]`, describeRequest(failure.request), describeOutcome(failure.outcome));
    }
    out.push(
      '',
      `Reproduce (same seed; ids and dates are this run's own): ${reproduce(
        report.seed,
        report.failures.slice(0, show).map((f) => f.request.index),
      )}`,
    );
  }
  if (report.victimChanges.length > 0) out.push('', 'Victims changed:', ...report.victimChanges);
  out.push('', report.ok ? 'Campaign passed.' : 'Campaign FAILED.');
  return out.join('\n');
}
