/**
 * Each Lambda bundle's size and cold import time: built with the stack's esbuild settings
 * (lib/bundling.ts), then imported by fresh Node processes, as a cold start does before the first
 * event. The import is timed twice: as deployed (`--enable-source-maps`, the functions'
 * NODE_OPTIONS, which parses the source map on load) and without source maps.
 *
 *   npx tsx bench/bundles.ts          (also part of `npm run bench`)
 *
 * Budgets: minified size per kind of function (measured, plus a margin: an available operation's
 * function 379.7 KB with the DynamoDB and Secrets Manager clients -> 420 KB; an operation not
 * available yet, which answers 501 before any service and bundles no AWS client, 60.6 KB -> 80 KB),
 * 60 ms import. test/infra/bundles.test.ts asserts the sizes. Times are this machine's, not Lambda's
 * (arm64, 1 GB).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { lambdaBundling, NODE_OPTIONS, PROJECT_ROOT } from '../lib/bundling';
import { buildOperationBundles, type LocalBundle } from '../tools/local-bundles';
import { OPERATIONS, type OperationName } from '../lambdas/src/operations';

const run = promisify(execFile);

/** Per kind of function: what its handler composes decides what it bundles. */
export const SIZE_BUDGET_BYTES = { available: 420 * 1024, unavailable: 80 * 1024 } as const;
/**
 * What an operation's own extra client adds: UpdateRecords carries the Lambda client for sync
 * triggers (measured 110 KB minified), loaded only when a trigger is first invoked, so its cold
 * import is unchanged. BulkPublish carries it too, to launch its worker (loaded at the first launch).
 * RegisterDevice carries the SNS and STS clients, to create the device's endpoint with the pool's
 * push sync role (measured 72 KB: 476 KB against DescribeDataset's 404 KB).
 */
export const EXTRA_BUDGET_BYTES: Readonly<Partial<Record<OperationName, number>>> = {
  UpdateRecords: 120 * 1024,
  BulkPublish: 120 * 1024,
  RegisterDevice: 80 * 1024,
};
/**
 * What drop-in mode adds to the operations an identity may call (their entry points pass the
 * verifier in; the developer operations' do not): the KMS client that opens the stored signing keys
 * (28 KB minified), the SigV4 signer and the verifier (10 KB). Measured: ListRecords 449.0 KB
 * against GetCognitoEvents' 411.1 KB.
 */
export const DROP_IN_BUDGET_BYTES = 40 * 1024;
export const sizeBudgetOf = (operation: OperationName): number =>
  (OPERATIONS[operation].available ? SIZE_BUDGET_BYTES.available : SIZE_BUDGET_BYTES.unavailable) +
  (EXTRA_BUDGET_BYTES[operation] ?? 0) +
  (OPERATIONS[operation].available && OPERATIONS[operation].callers !== 'developer' ? DROP_IN_BUDGET_BYTES : 0);
export const IMPORT_BUDGET_MS = 60;

export interface Row {
  readonly operation: string;
  /** Minified bundle, without its source map. */
  readonly bytes: number;
  readonly mapBytes: number;
  /** The AWS SDK clients in the bundle (`client-dynamodb`, ...), from its source map. */
  readonly awsClients: readonly string[];
  /** Median of fresh processes requiring the bundle, as deployed (source maps on). */
  readonly importMs: number;
  /** The same without `--enable-source-maps`. */
  readonly importMsNoSourceMaps: number;
  readonly sizeWithinBudget: boolean;
  readonly importWithinBudget: boolean;
}

export interface BenchBundlesOptions {
  /** Fresh processes per bundle and mode. @default 5 */
  readonly runs?: number;
  /** Print the table. @default true */
  readonly print?: boolean;
  /** Also build with tracing on (Powertools Tracer + X-Ray SDK) and print the difference. @default true */
  readonly traced?: boolean;
  /** @default .bench/bundles */
  readonly outdir?: string;
}

const IMPORT_SCRIPT = 'const t=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';

async function coldImportMs(file: string, runs: number, sourceMaps: boolean): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const args = [...(sourceMaps ? NODE_OPTIONS.split(' ') : []), '-e', IMPORT_SCRIPT, file];
    // A clean environment: no NODE_OPTIONS of the caller (tsx registers a loader through it).
    const { stdout } = await run(process.execPath, args, { env: { PATH: process.env.PATH ?? '' } });
    times.push(Number(stdout));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** The npm packages a bundle was built from, read from its source map's `sources`. */
export async function bundledPackages(bundle: LocalBundle): Promise<Set<string>> {
  const { sources } = JSON.parse(await readFile(`${bundle.file}.map`, 'utf8')) as { sources: string[] };
  const packages = new Set<string>();
  for (const source of sources) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
    if (name) packages.add(name);
  }
  return packages;
}

/** The AWS SDK clients among them: what a function can call. */
export const awsClientsOf = (packages: ReadonlySet<string>): string[] =>
  [...packages]
    .filter((name) => name.startsWith('@aws-sdk/client-'))
    .map((name) => name.slice('@aws-sdk/'.length))
    .sort();

async function measure(bundles: LocalBundle[], runs: number): Promise<Row[]> {
  const rows: Row[] = [];
  // One at a time: parallel processes would time each other.
  for (const b of bundles) {
    const importMs = await coldImportMs(b.file, runs, true);
    const importMsNoSourceMaps = await coldImportMs(b.file, runs, false);
    rows.push({
      operation: b.operation,
      bytes: b.bytes,
      mapBytes: b.mapBytes,
      awsClients: awsClientsOf(await bundledPackages(b)),
      importMs,
      importMsNoSourceMaps,
      sizeWithinBudget: b.bytes <= sizeBudgetOf(b.operation),
      importWithinBudget: importMs <= IMPORT_BUDGET_MS,
    });
  }
  return rows;
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

function printRows(title: string, rows: readonly Row[]): void {
  console.log(`\n${title}\n`);
  console.log('operation                        bundle KB   map KB   import ms (maps)   import ms (no maps)   size   import   AWS clients');
  const mark = (ok: boolean) => (ok ? 'ok' : 'over');
  for (const r of rows) {
    console.log(
      `${r.operation.padEnd(32)} ${kb(r.bytes).padStart(9)} ${kb(r.mapBytes).padStart(8)} ${r.importMs.toFixed(1).padStart(18)} ${r.importMsNoSourceMaps
        .toFixed(1)
        .padStart(21)}   ${mark(r.sizeWithinBudget).padEnd(4)}   ${mark(r.importWithinBudget).padEnd(6)}   ${r.awsClients.join(', ') || 'none'}`,
    );
  }
}

export async function benchBundles(options: BenchBundlesOptions = {}): Promise<Row[]> {
  const runs = options.runs ?? 5;
  const print = options.print ?? true;
  const outdir = options.outdir ?? path.join(PROJECT_ROOT, '.bench', 'bundles');

  const rows = await measure(await buildOperationBundles(path.join(outdir, 'default')), runs);
  if (print) {
    printRows(
      `Lambda bundles (esbuild, lib/bundling.ts; budgets ${kb(SIZE_BUDGET_BYTES.available)} KB minified for an available operation, ${kb(
        SIZE_BUDGET_BYTES.unavailable,
      )} KB for one not available yet, ${IMPORT_BUDGET_MS} ms cold import; median of ${runs} fresh processes)`,
      rows,
    );
  }
  if (options.traced ?? true) {
    // The available operations' bundles differ only by their handler: one shows what tracing costs.
    const traced = await measure(
      await buildOperationBundles(path.join(outdir, 'traced'), { bundling: lambdaBundling({ tracing: true }), operations: ['UpdateRecords'] }),
      runs,
    );
    if (print) printRows('With tracing on (stack property `tracing`: Powertools Tracer and the X-Ray SDK in the bundle)', traced);
  }
  return rows;
}

if (require.main === module) {
  benchBundles().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
