/**
 * `open-cognito-sync import --in FILE.jsonl`: an export file's pool configurations and datasets,
 * written into a target with their sync counts. The file is checked whole before anything is
 * written (a cut-short or damaged file writes nothing), then read again and written one dataset at
 * a time.
 *
 * A dataset the target already holds at the file's count is left as it is ('unchanged'), so an
 * import run again (or after a kill) writes nothing twice; one the target holds otherwise is a
 * conflict, reported and never overwritten.
 */
import { eachConcurrently } from '../each-concurrently';
import type { DatasetAddress, DatasetTarget, WriteOutcome } from '../model';
import { checkExport, readExport } from './export-reader';

export interface ImportOptions {
  /** The export file. */
  readonly in: string;
  readonly target: DatasetTarget;
  /** Datasets written at once (default 4). */
  readonly concurrency?: number;
  /** Told after each dataset (a progress bar). */
  readonly onDataset?: (address: DatasetAddress, outcome: WriteOutcome) => void;
}

export interface ImportConflict extends DatasetAddress {
  readonly fileSyncCount: number;
  readonly targetSyncCount: number;
}

export interface ImportSummary {
  readonly pools: number;
  readonly datasets: number;
  readonly written: number;
  readonly unchanged: number;
  readonly records: number;
  readonly conflicts: readonly ImportConflict[];
}

export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const contents = await checkExport(options.in);
  let written = 0;
  let unchanged = 0;
  let records = 0;
  const conflicts: ImportConflict[] = [];
  await eachConcurrently(readExport(options.in), options.concurrency ?? 4, async (entry) => {
    if (entry.type === 'pool') {
      await options.target.writePoolConfiguration(entry.pool);
      return;
    }
    const snapshot = entry.dataset;
    // Never copied by a migration run before: the write happens only where the target has nothing,
    // or already this very count.
    const outcome = await options.target.writeDataset(snapshot, undefined);
    const address = { identityPoolId: snapshot.identityPoolId, identityId: snapshot.identityId, datasetName: snapshot.datasetName };
    if (outcome.kind === 'written') {
      written++;
      records += outcome.records;
    } else if (outcome.kind === 'unchanged') {
      unchanged++;
    } else {
      conflicts.push({ ...address, fileSyncCount: snapshot.syncCount, targetSyncCount: outcome.targetSyncCount });
    }
    options.onDataset?.(address, outcome);
  });
  return { pools: contents.pools, datasets: contents.datasets, written, unchanged, records, conflicts };
}
