/**
 * `open-cognito-sync migrate`: the flags, the progress view, the report (stdout, and JSON with
 * --report) and `--verify`. Exit codes: 0 done, 1 failed or verify found differences, 2 usage,
 * 3 done with conflicts (datasets changed on the target, not overwritten).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildSource, buildTarget, positiveNumber, SOURCE_FLAGS, TARGET_FLAGS, UsageError } from '../cli-options';
import { formatVerifySummary, verifyMigration, type VerifyResult } from '../verify';
import { retryingCall } from '../source/call';
import { Checkpoint } from './checkpoint';
import { emptyCounts, progressView } from './progress';
import { DEFAULT_CONCURRENCY, type MigrationReport, runMigration } from './runner';

export const MIGRATE_USAGE = `Usage: open-cognito-sync migrate (--identity-pool-id ID ... | --all-pools) --target-table NAME [options]
  --source-endpoint URL     a Cognito Sync endpoint other than AWS's regional one
  --identity-endpoint URL   a Cognito Identity endpoint (ListIdentities); default: --source-endpoint, else AWS's
  --source-region REGION    default: AWS_REGION, else the first pool id's region
  --target-region REGION, --target-profile NAME, --target-endpoint URL (a local edge port)
  --concurrency N           identities copied at once (default ${DEFAULT_CONCURRENCY})
  --rate N                  source requests per second at most
  --checkpoint FILE         resume from / record to FILE; a second run copies only what changed
  --dry-run                 count what would be copied, write nothing
  --verify                  then read both sides and compare every dataset and record
  --report FILE             the report (and verify's differences) as JSON
Credentials: the standard AWS chain (developer credentials of the source pools' owner).`;

const FLAGS = {
  ...SOURCE_FLAGS,
  ...TARGET_FLAGS,
  concurrency: { type: 'string' },
  checkpoint: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  verify: { type: 'boolean', default: false },
  report: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

export function formatReport(report: MigrationReport): string {
  const lines = [
    `${report.dryRun ? 'Dry run: would copy' : 'Copied'} ${report.datasets.copied} datasets (${report.records} records, ${report.bytes} bytes) of ${report.identities} identities in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  unchanged: ${report.datasets.unchanged}, conflicts: ${report.datasets.conflicts}`,
  ];
  for (const c of report.conflicts) {
    lines.push(
      `  conflict: ${c.identityPoolId} ${c.identityId} '${c.datasetName}': source at ${c.sourceSyncCount}, target at ${c.targetSyncCount} (changed on the target since the copy${c.lastCopiedSyncCount === null ? '' : ` at ${c.lastCopiedSyncCount}`}); not overwritten`,
    );
  }
  for (const g of report.goneFromSource)
    lines.push(`  deleted at the source since an earlier copy, left on the target: ${g.identityPoolId} ${g.identityId} '${g.datasetName}'`);
  for (const pool of report.pools) {
    lines.push(`  pool ${pool.identityPoolId}: configuration ${pool.configuration}${pool.actions.length > 0 ? `, needs action:` : ''}`);
    for (const action of pool.actions) lines.push(`    - ${action}`);
  }
  lines.push(report.devices);
  return lines.join('\n');
}

export async function migrateCommand(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream } = process): Promise<number> {
  let flags: ReturnType<typeof parseArgs<{ args: string[]; options: typeof FLAGS }>>['values'];
  try {
    flags = parseArgs({ args: argv, options: FLAGS }).values;
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n${MIGRATE_USAGE}\n`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(`${MIGRATE_USAGE}\n`);
    return 0;
  }
  const counts = emptyCounts();
  let built: Awaited<ReturnType<typeof buildSource>>;
  let target: ReturnType<typeof buildTarget>;
  let concurrency: number;
  try {
    concurrency = Math.floor(positiveNumber('concurrency', flags.concurrency, DEFAULT_CONCURRENCY) ?? DEFAULT_CONCURRENCY);
    target = buildTarget(flags);
    built = await buildSource(flags, () => counts.retries++);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`${e.message}\n${MIGRATE_USAGE}\n`);
    return 2;
  }
  const view = progressView(counts, { stream: io.stderr });
  view.start();
  let report: MigrationReport;
  try {
    report = await runMigration({
      source: built.source,
      target: target.target,
      pools: built.pools,
      checkpoint: await Checkpoint.open(flags.checkpoint),
      concurrency,
      dryRun: flags['dry-run'],
      counts,
      targetCall: retryingCall({ onRetry: () => counts.retries++ }),
    });
  } finally {
    view.stop();
  }
  io.stdout.write(`${formatReport(report)}\n`);
  let verify: VerifyResult | undefined;
  if (flags.verify) {
    verify = await verifyMigration(built.source, target.target, built.pools, { concurrency });
    io.stdout.write(`${formatVerifySummary(verify)}\n`);
  }
  if (flags.report) await writeFile(flags.report, `${JSON.stringify({ migration: report, ...(verify ? { verify } : {}) }, null, 2)}\n`);
  built.source.close();
  target.client.destroy();
  if (verify && verify.differenceCount > 0) return 1;
  return report.conflicts.length > 0 ? 3 : 0;
}
