/**
 * The records capability as one object: the operations of datasets, records, tokens and usage of
 * one identity, over the whole `SyncStore`. `runtime.ts` builds it (`records()`) for the handlers
 * of those operations only (capabilities.ts). It composes the parts, each of which works
 * over its own narrow ports and can be built alone:
 *
 * - `records/`: DatasetQueries, RecordListing, RecordUpdates (pure steps in update-planner.ts),
 *   DatasetDeletion.
 *
 * Pools, push, streams and the change feed will each get a folder of the same shape (see
 * records/ports.ts) and a builder of their own in runtime.ts, with their own clients.
 */
import type {
  Dataset,
  DatasetRef,
  IdentityRef,
  IdentityUsage,
  Limits,
  ListDatasetsInput,
  ListDatasetsOutput,
  ListRecordsInput,
  ListRecordsOutput,
  Principal,
  SyncService,
  UpdateRecordsInput,
  UpdateRecordsOutput,
} from './model';
import type { Clock, SyncStore } from './ports';
import { DatasetQueries } from './records/datasets';
import { DatasetDeletion } from './records/delete-dataset';
import { RecordListing } from './records/list-records';
import { RecordUpdates } from './records/update-records';
import type { TokenCodec } from './tokens';
import type { RewriteStep } from './records/update-planner';

export interface SyncServiceDeps {
  readonly store: SyncStore;
  readonly clock: Clock;
  readonly tokens: TokenCodec;
  readonly limits?: Limits;
  /** UpdateRecords' rewrite step: the sync trigger (records/sync-trigger-step.ts), when the runtime composes one. */
  readonly rewrite?: RewriteStep;
}

export class CognitoSyncService implements SyncService {
  private readonly datasets: DatasetQueries;
  private readonly listing: RecordListing;
  private readonly updates: RecordUpdates;
  private readonly deletion: DatasetDeletion;

  constructor(deps: SyncServiceDeps) {
    this.datasets = new DatasetQueries(deps);
    this.listing = new RecordListing(deps);
    this.updates = new RecordUpdates(deps);
    this.deletion = new DatasetDeletion(deps);
  }

  listDatasets(_principal: Principal, input: ListDatasetsInput): Promise<ListDatasetsOutput> {
    return this.datasets.listDatasets(input);
  }

  describeDataset(_principal: Principal, input: DatasetRef): Promise<{ Dataset: Dataset }> {
    return this.datasets.describeDataset(input);
  }

  deleteDataset(principal: Principal, input: DatasetRef): Promise<{ Dataset: Dataset }> {
    return this.deletion.deleteDataset(principal, input);
  }

  listRecords(_principal: Principal, input: ListRecordsInput): Promise<ListRecordsOutput> {
    return this.listing.listRecords(input);
  }

  updateRecords(principal: Principal, input: UpdateRecordsInput): Promise<UpdateRecordsOutput> {
    return this.updates.updateRecords(principal, input);
  }

  describeIdentityUsage(_principal: Principal, input: IdentityRef): Promise<{ IdentityUsage: IdentityUsage }> {
    return this.datasets.describeIdentityUsage(input);
  }
}
