/**
 * `open-cognito-sync export --out FILE.jsonl`: every dataset of the given pools, read from a
 * source, written to an export file (format.ts) as it is read. The file appears under its name only
 * once complete: it is written as `FILE.partial` and renamed at the end, so a killed export never
 * leaves a file that looks like a backup.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { eachConcurrently } from '../each-concurrently';
import type { DatasetAddress, DatasetSource } from '../model';
import { datasetLine, headerLine, poolLine, trailerLine } from './format';

export interface ExportOptions {
  readonly source: DatasetSource;
  readonly pools: readonly string[];
  /** The file to write. */
  readonly out: string;
  /** Identities read at once (default 4). */
  readonly concurrency?: number;
  /** Told after each dataset written (a progress bar). */
  readonly onDataset?: (address: DatasetAddress, records: number, bytes: number) => void;
  readonly now?: () => Date;
}

export interface ExportSummary {
  readonly out: string;
  readonly pools: number;
  readonly identities: number;
  readonly datasets: number;
  readonly records: number;
  /** Bytes of the file. */
  readonly bytes: number;
}

export async function runExport(options: ExportOptions): Promise<ExportSummary> {
  const partial = `${options.out}.partial`;
  const stream = createWriteStream(partial, { flags: 'w', mode: 0o600 });
  const opened = once(stream, 'open');
  // A failed write (a full disk) is kept and thrown by the next line, not left unhandled.
  let failedWrite: Error | undefined;
  stream.on('error', (error) => {
    failedWrite ??= error;
  });
  let bytes = 0;
  /** One whole line at a time, so lines of parallel workers never interleave; waits when the disk lags. */
  const writeLine = async (line: string): Promise<void> => {
    if (failedWrite) throw failedWrite;
    const text = `${line}\n`;
    bytes += Buffer.byteLength(text);
    if (!stream.write(text)) await once(stream, 'drain');
  };

  let pools = 0;
  let identities = 0;
  let datasets = 0;
  let records = 0;
  try {
    await opened;
    await writeLine(headerLine((options.now ?? (() => new Date()))()));
    for (const identityPoolId of options.pools) {
      const configuration = await options.source.readPoolConfiguration(identityPoolId);
      if (configuration) {
        await writeLine(poolLine(configuration));
        pools++;
      }
    }
    for (const identityPoolId of options.pools) {
      await eachConcurrently(options.source.listIdentities(identityPoolId), options.concurrency ?? 4, async (identityId) => {
        identities++;
        for (const listing of await options.source.listDatasets(identityPoolId, identityId)) {
          const address = { identityPoolId, identityId, datasetName: listing.datasetName };
          // Deleted between the listing and the read: nothing to keep.
          const snapshot = await options.source.readDataset(address);
          if (!snapshot) continue;
          const line = datasetLine(snapshot);
          await writeLine(line);
          datasets++;
          records += snapshot.records.length;
          options.onDataset?.(address, snapshot.records.length, Buffer.byteLength(line));
        }
      });
    }
    await writeLine(trailerLine(pools, datasets));
    stream.end();
    await once(stream, 'close');
    if (failedWrite) throw failedWrite;
    await rename(partial, options.out);
  } catch (error) {
    stream.destroy();
    await rm(partial, { force: true });
    throw error;
  }
  return { out: options.out, pools, identities, datasets, records, bytes };
}
