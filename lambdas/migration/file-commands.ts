/**
 * `open-cognito-sync export --out FILE.jsonl` and `import --in FILE.jsonl`: the same copy as
 * `migrate`, through a file (file/export.ts, file/import.ts). The flags of the source and of the
 * target are migrate's; `--verify` compares the file with the side it was written from or to.
 */
import { parseArgs } from 'node:util';
import { buildSource, buildTarget, positiveNumber, SOURCE_FLAGS, TARGET_FLAGS, UsageError } from './cli-options';
import { runExport } from './file/export';
import { openFileSource } from './file/file-source';
import { runImport } from './file/import';
import { formatVerifySummary, verifyMigration, writeVerifyReport } from './verify';

export const EXPORT_USAGE =
  'Usage: open-cognito-sync export --out FILE.jsonl (--identity-pool-id ID ... | --all-pools) [--source-endpoint URL] [--identity-endpoint URL] [--rate N] [--concurrency N] [--verify] [--report FILE]';
export const IMPORT_USAGE =
  'Usage: open-cognito-sync import --in FILE.jsonl --target-table NAME [--target-region R] [--target-profile P] [--target-endpoint URL] [--concurrency N] [--verify] [--report FILE]';

interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const COMMON = { concurrency: { type: 'string' }, verify: { type: 'boolean', default: false }, report: { type: 'string' } } as const;

const parseExportFlags = (argv: string[]) => parseArgs({ args: argv, options: { ...SOURCE_FLAGS, ...COMMON, out: { type: 'string' } } }).values;
const parseImportFlags = (argv: string[]) => parseArgs({ args: argv, options: { ...TARGET_FLAGS, ...COMMON, in: { type: 'string' } } }).values;

function usage(io: Io, message: string, text: string): number {
  io.stderr.write(`${message}\n${text}\n`);
  return 2;
}

export async function exportCommand(argv: string[], io: Io = process): Promise<number> {
  let flags: ReturnType<typeof parseExportFlags>;
  try {
    flags = parseExportFlags(argv);
    if (!flags.out) throw new UsageError('name the file: --out FILE.jsonl');
  } catch (e) {
    return usage(io, (e as Error).message, EXPORT_USAGE);
  }
  let built: Awaited<ReturnType<typeof buildSource>>;
  let concurrency: number | undefined;
  try {
    concurrency = positiveNumber('concurrency', flags.concurrency, undefined);
    built = await buildSource(flags, () => undefined);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usage(io, e.message, EXPORT_USAGE);
  }
  try {
    const summary = await runExport({ source: built.source, pools: built.pools, out: flags.out, concurrency });
    io.stdout.write(
      `Exported ${summary.datasets} datasets (${summary.records} records) of ${summary.identities} identities in ${summary.pools} pools to ${summary.out} (${summary.bytes} bytes)\n`,
    );
    if (!flags.verify) return 0;
    const file = await openFileSource(flags.out);
    const result = await verifyMigration(built.source, file, built.pools, { concurrency });
    io.stdout.write(`${formatVerifySummary(result, { a: 'source', b: 'file' })}\n`);
    if (flags.report) await writeVerifyReport(flags.report, result, { a: 'source', b: 'file' });
    return result.differenceCount > 0 ? 1 : 0;
  } finally {
    built.source.close();
  }
}

export async function importCommand(argv: string[], io: Io = process): Promise<number> {
  let flags: ReturnType<typeof parseImportFlags>;
  let built: ReturnType<typeof buildTarget>;
  let concurrency: number | undefined;
  try {
    flags = parseImportFlags(argv);
    if (!flags.in) throw new UsageError('name the file: --in FILE.jsonl');
    concurrency = positiveNumber('concurrency', flags.concurrency, undefined);
    built = buildTarget(flags);
  } catch (e) {
    return usage(io, (e as Error).message, IMPORT_USAGE);
  }
  try {
    const summary = await runImport({ in: flags.in, target: built.target, concurrency });
    io.stdout.write(
      `Imported ${summary.written} datasets (${summary.records} records) of ${summary.datasets} in the file; unchanged ${summary.unchanged}, conflicts ${summary.conflicts.length}\n`,
    );
    for (const c of summary.conflicts) {
      io.stdout.write(
        `  conflict: ${c.identityPoolId} ${c.identityId} '${c.datasetName}': file at ${c.fileSyncCount}, target at ${c.targetSyncCount}; not overwritten\n`,
      );
    }
    if (flags.verify) {
      const file = await openFileSource(flags.in);
      const result = await verifyMigration(file, built.target, file.pools, { concurrency });
      io.stdout.write(`${formatVerifySummary(result, { a: 'file', b: 'target' })}\n`);
      if (flags.report) await writeVerifyReport(flags.report, result, { a: 'file', b: 'target' });
      if (result.differenceCount > 0) return 1;
    }
    return summary.conflicts.length > 0 ? 3 : 0;
  } finally {
    built.client.destroy();
  }
}
