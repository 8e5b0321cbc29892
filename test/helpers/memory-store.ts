/**
 * An in-memory `SyncStore` for unit tests of the domain logic: the same contract as the DynamoDB
 * adapter (conditional commits on the head, the identity's totals guarded by the dataset limit),
 * without I/O. The adapter itself is tested against DynamoDB Local.
 */
import type { DatasetRef, IdentityRef } from '../../lambdas/src/domain/model';
import type {
  CommitRefusal,
  DatasetHead,
  DeleteCommit,
  IdentitySummary,
  RecordVersion,
  RecordsPage,
  StoredRecord,
  SyncStore,
  UpdateCommit,
  UpdateSnapshot,
} from '../../lambdas/src/domain/ports';
import { recordStorageBytes } from '../../lambdas/src/domain/sizes';

const identityKey = (r: IdentityRef) => `${r.IdentityPoolId}/${r.IdentityId}`;
const datasetKey = (r: DatasetRef) => `${identityKey(r)}/${r.DatasetName}`;

export class MemoryStore implements SyncStore {
  readonly heads = new Map<string, DatasetHead>();
  readonly records = new Map<string, Map<string, StoredRecord>>();
  readonly summaries = new Map<string, IdentitySummary>();
  commits = 0;
  /** Runs before each commit is applied: lets a test slip another write in between read and commit. */
  beforeCommit?: () => Promise<void>;

  async getDatasetHead(dataset: DatasetRef) {
    return this.heads.get(datasetKey(dataset));
  }

  async listDatasets(identity: IdentityRef) {
    const prefix = `${identityKey(identity)}/`;
    return [...this.heads.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, head]) => head)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async getIdentitySummary(identity: IdentityRef) {
    return this.summaries.get(identityKey(identity));
  }

  async listRecords(dataset: DatasetRef, afterSyncCount: number, limit: number, cursor?: string): Promise<RecordsPage> {
    const head = this.heads.get(datasetKey(dataset));
    const all = [...(this.records.get(datasetKey(dataset))?.values() ?? [])]
      .filter((r) => r.syncCount > afterSyncCount && r.syncCount <= (head?.syncCount ?? 0))
      .sort((a, b) => a.syncCount - b.syncCount || (a.key < b.key ? -1 : 1));
    const start = cursor ? Number(cursor) : 0;
    const records = all.slice(start, start + limit);
    return { head, records, cursor: start + limit < all.length ? String(start + limit) : undefined };
  }

  async readForUpdate(dataset: DatasetRef, keys: readonly string[]): Promise<UpdateSnapshot> {
    const stored = this.records.get(datasetKey(dataset));
    const records = new Map<string, RecordVersion>();
    for (const key of keys) {
      const r = stored?.get(key);
      if (r) {
        records.set(key, { key, syncCount: r.syncCount, live: r.value !== undefined, size: recordStorageBytes(key, r.value) });
      }
    }
    return {
      head: this.heads.get(datasetKey(dataset)),
      summary: this.summaries.get(identityKey(dataset)),
      records,
    };
  }

  async commitUpdate(commit: UpdateCommit): Promise<CommitRefusal | undefined> {
    await this.beforeCommit?.();
    if (!this.headUnchanged(commit.dataset, commit.expected)) return 'head-moved';
    const id = identityKey(commit.dataset);
    const summary = this.summaries.get(id) ?? { datasetCount: 0, dataStorage: 0 };
    if (commit.identityDelta.datasetCount > 0 && summary.datasetCount >= commit.maxDatasets) return 'dataset-limit';
    this.commits++;
    this.heads.set(datasetKey(commit.dataset), commit.newHead);
    const records = this.records.get(datasetKey(commit.dataset)) ?? new Map<string, StoredRecord>();
    for (const w of commit.writes) records.set(w.key, w);
    this.records.set(datasetKey(commit.dataset), records);
    this.summaries.set(id, {
      datasetCount: summary.datasetCount + commit.identityDelta.datasetCount,
      dataStorage: summary.dataStorage + commit.identityDelta.dataStorage,
      lastModifiedDate: commit.identityDelta.lastModifiedDate,
    });
    return undefined;
  }

  async deleteDataset(commit: DeleteCommit): Promise<CommitRefusal | undefined> {
    if (!this.headUnchanged(commit.dataset, commit.expected)) return 'head-moved';
    const id = identityKey(commit.dataset);
    const summary = this.summaries.get(id) ?? { datasetCount: 0, dataStorage: 0 };
    this.heads.set(datasetKey(commit.dataset), commit.deletedHead);
    this.records.delete(datasetKey(commit.dataset));
    this.summaries.set(id, {
      datasetCount: summary.datasetCount - 1,
      dataStorage: summary.dataStorage - commit.expected.dataStorage,
      lastModifiedDate: commit.lastModifiedDate,
    });
    return undefined;
  }

  private headUnchanged(dataset: DatasetRef, expected: DatasetHead | undefined): boolean {
    const head = this.heads.get(datasetKey(dataset));
    if (expected === undefined) return head === undefined;
    return head !== undefined && head.syncCount === expected.syncCount && head.deleted === expected.deleted;
  }
}
