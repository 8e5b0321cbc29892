/**
 * The checkpoint file of `migrate --checkpoint FILE`: per dataset, the sync count the migration
 * copied (and the listing's fingerprint, so that a later run skips an unchanged dataset without
 * reading it), and per pool whether its configuration was copied.
 *
 * It is written atomically (a temporary file, then a rename), never half. It is saved at most once
 * per interval rather than after every dataset: a run killed between a write and the next save loses
 * nothing, since the target's head itself says the migration wrote that count (dataset-import.ts),
 * and the rerun finds the dataset `unchanged` without writing it again.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { DatasetAddress, DatasetListing } from '../model';

const FORMAT = 'open-cognito-sync-migration-checkpoint/1';

export interface CopiedDataset {
  /** The sync count the target holds from the migration. */
  readonly syncCount: number;
  /** The source listing's date, records and bytes when that count was read: unchanged, it is not read again. */
  readonly fingerprint: string;
}

interface CheckpointFile {
  readonly format: typeof FORMAT;
  readonly datasets: Record<string, CopiedDataset>;
  readonly pools: Record<string, 'copied'>;
}

/** The key of a dataset in the file: the three names, unambiguous whatever characters they hold. */
export const datasetKey = (address: DatasetAddress): string => JSON.stringify([address.identityPoolId, address.identityId, address.datasetName]);

/** What a listing says of a dataset's state: a change to any record moves its date and usually its sizes. */
export const fingerprintOf = (listing: DatasetListing): string => `${listing.lastModifiedDate}/${listing.numRecords}/${listing.dataStorage}`;

export class Checkpoint {
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string | undefined,
    private readonly datasets: Map<string, CopiedDataset>,
    private readonly pools: Set<string>,
  ) {}

  /** The file's checkpoint, empty when there is no file yet; in memory only without a path. */
  static async open(path: string | undefined): Promise<Checkpoint> {
    if (path === undefined) return new Checkpoint(undefined, new Map(), new Set());
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Checkpoint(path, new Map(), new Set());
      throw e;
    }
    const file = JSON.parse(text) as CheckpointFile;
    if (file.format !== FORMAT) throw new Error(`${path} is not a migration checkpoint (format ${String(file.format)})`);
    return new Checkpoint(path, new Map(Object.entries(file.datasets)), new Set(Object.keys(file.pools)));
  }

  copied(address: DatasetAddress): CopiedDataset | undefined {
    return this.datasets.get(datasetKey(address));
  }

  /** The datasets of an identity the checkpoint knows, by name. */
  datasetsOf(identityPoolId: string, identityId: string): string[] {
    const prefix = JSON.stringify([identityPoolId, identityId]).slice(0, -1);
    return [...this.datasets.keys()].filter((key) => key.startsWith(`${prefix},`)).map((key) => (JSON.parse(key) as string[])[2]);
  }

  markCopied(address: DatasetAddress, copied: CopiedDataset): void {
    this.datasets.set(datasetKey(address), copied);
    this.dirty = true;
  }

  poolCopied(identityPoolId: string): boolean {
    return this.pools.has(identityPoolId);
  }

  markPoolCopied(identityPoolId: string): void {
    this.pools.add(identityPoolId);
    this.dirty = true;
  }

  get size(): number {
    return this.datasets.size;
  }

  /** Writes the file if anything changed since the last save; saves never overlap. */
  save(): Promise<void> {
    this.saving = this.saving.then(() => this.saveNow());
    return this.saving;
  }

  private async saveNow(): Promise<void> {
    if (!this.path || !this.dirty) return;
    this.dirty = false;
    const file: CheckpointFile = {
      format: FORMAT,
      datasets: Object.fromEntries(this.datasets),
      pools: Object.fromEntries([...this.pools].map((pool) => [pool, 'copied' as const])),
    };
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(file));
    await rename(temporary, this.path);
  }
}
