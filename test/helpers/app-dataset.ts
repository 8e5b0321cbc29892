/**
 * A dataset an app writes through the public Cognito Sync API, as a device does: ListRecords of what
 * changed since the count it holds, then UpdateRecords with the record counts it knows. What the
 * service answered (listed or written) is kept, so the dataset can say what a reader of the source
 * must find (`expected()`), and a second device can start from what the first one holds.
 */
import {
  type CognitoSyncClient,
  DeleteDatasetCommand,
  DescribeDatasetCommand,
  ListRecordsCommand,
  type _Record as WireRecord,
  type RecordPatch,
  UpdateRecordsCommand,
} from '@aws-sdk/client-cognito-sync';
import type { DatasetAddress, DatasetSnapshot, MigratedRecord } from '../../lambdas/migration/model';
import { bySyncCountThenKey } from '../../lambdas/migration/source/record-order';

/** A value replaces, null removes; the date, when given, is the patch's DeviceLastModifiedDate. */
export type Change = readonly [key: string, value: string | null, deviceDate?: Date];

const recordOf = (r: WireRecord): MigratedRecord => ({
  key: r.Key as string,
  ...(r.Value !== undefined ? { value: r.Value } : {}),
  syncCount: r.SyncCount as number,
  lastModifiedDate: (r.LastModifiedDate as Date).getTime(),
  lastModifiedBy: r.LastModifiedBy as string,
  ...(r.DeviceLastModifiedDate ? { deviceLastModifiedDate: r.DeviceLastModifiedDate.getTime() } : {}),
});

export class AppDataset {
  /** Each record as the service last answered it, tombstones included. */
  readonly records = new Map<string, MigratedRecord>();
  /** The dataset sync count this device holds. */
  syncCount = 0;
  /** The count at which this device deleted the dataset, if it did. */
  deletedAtSyncCount: number | undefined;

  constructor(
    readonly client: CognitoSyncClient,
    readonly address: DatasetAddress,
    /** The DeviceLastModifiedDate of changes that name none. */
    private readonly defaultDeviceDate?: Date,
  ) {}

  get ids() {
    return { IdentityPoolId: this.address.identityPoolId, IdentityId: this.address.identityId, DatasetName: this.address.datasetName };
  }

  /** Takes over what another device holds of the same dataset (its count and records). */
  holdAsOf(other: AppDataset): this {
    this.syncCount = other.syncCount;
    for (const [key, record] of other.records) this.records.set(key, record);
    return this;
  }

  /** One sync: what changed since the held count, then one UpdateRecords of `changes`. */
  async update(changes: readonly Change[]): Promise<void> {
    const listed = await this.client.send(new ListRecordsCommand({ ...this.ids, LastSyncCount: this.syncCount }));
    for (const r of listed.Records ?? []) this.records.set(r.Key as string, recordOf(r));
    const RecordPatches: RecordPatch[] = changes.map(([Key, value, deviceDate = this.defaultDeviceDate]) => ({
      Op: value === null ? 'remove' : 'replace',
      Key,
      ...(value !== null ? { Value: value } : {}),
      SyncCount: this.records.get(Key)?.syncCount ?? 0,
      ...(deviceDate ? { DeviceLastModifiedDate: deviceDate } : {}),
    }));
    const out = await this.client.send(new UpdateRecordsCommand({ ...this.ids, RecordPatches, SyncSessionToken: listed.SyncSessionToken }));
    for (const r of out.Records ?? []) {
      this.records.set(r.Key as string, recordOf(r));
      this.syncCount = Math.max(this.syncCount, r.SyncCount as number);
    }
  }

  async delete(): Promise<void> {
    await this.client.send(new DeleteDatasetCommand(this.ids));
    this.deletedAtSyncCount = this.syncCount;
    this.records.clear();
  }

  /** The snapshot a reader of this endpoint must find: the records held here, the dates DescribeDataset tells. */
  async expected(): Promise<DatasetSnapshot> {
    const { Dataset } = await this.client.send(new DescribeDatasetCommand(this.ids));
    if (!Dataset?.CreationDate || !Dataset.LastModifiedDate) throw new Error('DescribeDataset answered no dates');
    return {
      ...this.address,
      syncCount: this.syncCount,
      creationDate: Dataset.CreationDate.getTime(),
      lastModifiedDate: Dataset.LastModifiedDate.getTime(),
      lastModifiedBy: Dataset.LastModifiedBy as string,
      records: [...this.records.values()].sort(bySyncCountThenKey),
      ...(this.deletedAtSyncCount !== undefined ? { deletedAtSyncCount: this.deletedAtSyncCount } : {}),
    };
  }
}
