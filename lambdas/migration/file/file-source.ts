/**
 * A `DatasetSource` over an export file, so that `import` and `--verify` read a file as they read
 * an endpoint. Opening it reads the file through once (checking all of it, format.ts) and keeps an
 * index: for each dataset its listing and where its line is; a dataset's records are read from the
 * file when asked for, so the file is never held whole.
 */
import type { DatasetAddress, DatasetListing, DatasetSnapshot, DatasetSource, PoolConfiguration } from '../model';
import { readExport } from './export-reader';
import { ExportFileError, type ExportHeader, parseLine } from './format';
import { readLineAt } from './lines';

interface IndexedDataset {
  readonly listing: DatasetListing;
  readonly line: number;
  readonly offset: number;
  readonly length: number;
}

export interface FileSource extends DatasetSource {
  readonly file: string;
  readonly header: ExportHeader;
  /** The pools the file holds, by a configuration or by a dataset, in file order. */
  readonly pools: readonly string[];
}

/** Bytes of a record as the service counts them toward a dataset's size: key and value, UTF-8. */
const recordBytes = (key: string, value: string | undefined): number => Buffer.byteLength(key) + (value === undefined ? 0 : Buffer.byteLength(value));

export async function openFileSource(file: string): Promise<FileSource> {
  let header: ExportHeader | undefined;
  const configurations = new Map<string, PoolConfiguration>();
  /** pool → identity → dataset name → where. */
  const index = new Map<string, Map<string, Map<string, IndexedDataset>>>();
  const pools: string[] = [];
  const notePool = (pool: string) => {
    if (!index.has(pool)) {
      index.set(pool, new Map());
      pools.push(pool);
    }
  };

  for await (const entry of readExport(file, (h) => {
    header = h;
  })) {
    if (entry.type === 'pool') {
      if (configurations.has(entry.pool.identityPoolId)) throw new ExportFileError(file, entry.line, `pool ${entry.pool.identityPoolId} appears twice`);
      configurations.set(entry.pool.identityPoolId, entry.pool);
      notePool(entry.pool.identityPoolId);
      continue;
    }
    const d = entry.dataset;
    notePool(d.identityPoolId);
    const identities = index.get(d.identityPoolId) as Map<string, Map<string, IndexedDataset>>;
    const datasets = identities.get(d.identityId) ?? new Map<string, IndexedDataset>();
    identities.set(d.identityId, datasets);
    const earlier = datasets.get(d.datasetName);
    if (earlier)
      throw new ExportFileError(file, entry.line, `dataset '${d.datasetName}' of identity '${d.identityId}' appears twice (first on line ${earlier.line})`);
    const live = d.records.filter((r) => r.value !== undefined);
    datasets.set(d.datasetName, {
      listing: {
        identityPoolId: d.identityPoolId,
        identityId: d.identityId,
        datasetName: d.datasetName,
        lastModifiedDate: d.lastModifiedDate,
        numRecords: live.length,
        dataStorage: live.reduce((sum, r) => sum + recordBytes(r.key, r.value), 0),
      },
      line: entry.line,
      offset: entry.offset,
      length: entry.length,
    });
  }

  const where = (address: DatasetAddress) => index.get(address.identityPoolId)?.get(address.identityId)?.get(address.datasetName);

  return {
    file,
    header: header as ExportHeader,
    pools,
    async *listIdentities(identityPoolId: string): AsyncIterable<string> {
      yield* index.get(identityPoolId)?.keys() ?? [];
    },
    async listDatasets(identityPoolId: string, identityId: string): Promise<readonly DatasetListing[]> {
      return [...(index.get(identityPoolId)?.get(identityId)?.values() ?? [])].map((d) => d.listing);
    },
    async readDataset(address: DatasetAddress): Promise<DatasetSnapshot | undefined> {
      const at = where(address);
      if (!at) return undefined;
      const entry = parseLine(file, at.line, await readLineAt(file, at.offset, at.length));
      if (entry.type !== 'dataset') throw new ExportFileError(file, at.line, 'the file changed since it was opened');
      return entry.dataset;
    },
    async readPoolConfiguration(identityPoolId: string): Promise<PoolConfiguration | undefined> {
      return configurations.get(identityPoolId);
    },
  };
}
