/**
 * The service's data model and the API of the domain layer, in the service model's own member names
 * (docs/behaviour.md#operations). Timestamps are `Date`s here; the protocol layer writes them as
 * epoch seconds.
 */

/** Who is calling, as established by the authorizer (docs/behaviour.md#who-may-call-what). */
export type Principal =
  | { readonly kind: 'developer'; readonly accountId: string }
  | { readonly kind: 'identity'; readonly accountId: string; readonly identityPoolId: string; readonly identityId: string };

export interface IdentityRef {
  readonly IdentityPoolId: string;
  readonly IdentityId: string;
}

export interface DatasetRef extends IdentityRef {
  readonly DatasetName: string;
}

export interface Dataset {
  IdentityId: string;
  DatasetName: string;
  CreationDate: Date;
  LastModifiedDate: Date;
  LastModifiedBy: string;
  DataStorage: number;
  NumRecords: number;
}

export interface SyncRecord {
  Key: string;
  /** Absent on a tombstone: the record was removed at `SyncCount`. */
  Value?: string;
  SyncCount: number;
  LastModifiedDate: Date;
  LastModifiedBy: string;
  DeviceLastModifiedDate?: Date;
}

export type PatchOp = 'replace' | 'remove';

export interface RecordPatch {
  Op: PatchOp;
  Key: string;
  Value?: string;
  SyncCount: number;
  DeviceLastModifiedDate?: Date;
}

export interface IdentityUsage {
  IdentityId: string;
  IdentityPoolId: string;
  LastModifiedDate?: Date;
  DatasetCount: number;
  DataStorage: number;
}

// ---- Operation inputs and outputs (validated by the protocol layer before they get here) ----

export interface ListDatasetsInput extends IdentityRef {
  NextToken?: string;
  MaxResults?: number;
}
export interface ListDatasetsOutput {
  Datasets: Dataset[];
  Count: number;
  NextToken?: string;
}

export interface ListRecordsInput extends DatasetRef {
  LastSyncCount?: number;
  NextToken?: string;
  MaxResults?: number;
  SyncSessionToken?: string;
}
export interface ListRecordsOutput {
  Records: SyncRecord[];
  NextToken?: string;
  Count: number;
  DatasetSyncCount: number;
  LastModifiedBy?: string;
  MergedDatasetNames?: string[];
  DatasetExists: boolean;
  DatasetDeletedAfterRequestedSyncCount: boolean;
  SyncSessionToken: string;
}

export interface UpdateRecordsInput extends DatasetRef {
  DeviceId?: string;
  RecordPatches?: RecordPatch[];
  SyncSessionToken: string;
  ClientContext?: string;
}
export interface UpdateRecordsOutput {
  Records: SyncRecord[];
}

/** The domain layer's API: one method per operation of the datasets-and-records issue. */
export interface SyncService {
  listDatasets(principal: Principal, input: ListDatasetsInput): Promise<ListDatasetsOutput>;
  describeDataset(principal: Principal, input: DatasetRef): Promise<{ Dataset: Dataset }>;
  deleteDataset(principal: Principal, input: DatasetRef): Promise<{ Dataset: Dataset }>;
  listRecords(principal: Principal, input: ListRecordsInput): Promise<ListRecordsOutput>;
  updateRecords(principal: Principal, input: UpdateRecordsInput): Promise<UpdateRecordsOutput>;
  describeIdentityUsage(principal: Principal, input: IdentityRef): Promise<{ IdentityUsage: IdentityUsage }>;
}

/** Published limits (docs/behaviour.md#limits), adjustable per deployment. */
export interface Limits {
  readonly datasetsPerIdentity: number;
  readonly recordsPerDataset: number;
  readonly bytesPerDataset: number;
}

export const DEFAULT_LIMITS: Limits = {
  datasetsPerIdentity: 20,
  recordsPerDataset: 1024,
  bytesPerDataset: 1024 * 1024,
};
