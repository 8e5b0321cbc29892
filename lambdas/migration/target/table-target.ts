/**
 * The migration's target: this service's DynamoDB table, written and read only through the store's
 * own code (DynamoDBSyncStore for datasets, DynamoDBPoolSettingsStore for pool configurations), so
 * that what it writes is laid out exactly as the service itself would lay it out today.
 *
 * It is also a DatasetSource over the table, for `--verify` and for the conflict checks.
 */
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBSyncStore, type DynamoDBSyncStoreOptions } from '../../src/adapters/dynamodb/sync-store';
import { DynamoDBPoolSettingsStore } from '../../src/adapters/dynamodb/pool-settings-store';
import { identityPartition, sortKey } from '../../src/adapters/dynamodb/keys';
import type { PoolSettings } from '../../src/domain/pools/model';
import type { StoredRecord } from '../../src/domain/ports';
import type { DatasetAddress, DatasetListing, DatasetSnapshot, DatasetTarget, PoolConfiguration, WriteOutcome } from '../model';
import { bySyncCountThenKey } from '../source/record-order';
import { datasetRefOf, importDataset, recordFields } from './dataset-import';

/** A dataset holds at most 1,024 records: one page of the store's listing reads it whole. */
const RECORDS_PAGE = 1_024;
/** How often a pool configuration write is tried again when another writer got there between read and write. */
const POOL_WRITE_ATTEMPTS = 5;

export interface TableTargetOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** The target deployment's SYNC_SINGLE_ITEM_MAX_BYTES (and the crash tests' commit hooks). */
  readonly store?: DynamoDBSyncStoreOptions;
}

export class TableTarget implements DatasetTarget {
  private readonly store: DynamoDBSyncStore;
  private readonly poolSettings: DynamoDBPoolSettingsStore;

  constructor(private readonly options: TableTargetOptions) {
    this.store = new DynamoDBSyncStore(options.client, options.tableName, options.store);
    this.poolSettings = new DynamoDBPoolSettingsStore(options.client, options.tableName);
  }

  writeDataset(snapshot: DatasetSnapshot, lastCopiedSyncCount: number | undefined): Promise<WriteOutcome> {
    return importDataset(this.store, snapshot, lastCopiedSyncCount);
  }

  async writePoolConfiguration(configuration: PoolConfiguration): Promise<void> {
    const settings: PoolSettings = {
      ...(configuration.pushSync !== undefined && { PushSync: configuration.pushSync as PoolSettings['PushSync'] }),
      ...(configuration.cognitoStreams !== undefined && { CognitoStreams: configuration.cognitoStreams as PoolSettings['CognitoStreams'] }),
      ...(configuration.cognitoEvents !== undefined && { Events: configuration.cognitoEvents }),
    };
    for (let attempt = 0; attempt < POOL_WRITE_ATTEMPTS; attempt++) {
      const { version } = await this.poolSettings.read(configuration.identityPoolId);
      if (await this.poolSettings.replace(configuration.identityPoolId, settings, version)) return;
    }
    throw new Error(`the configuration of pool ${configuration.identityPoolId} kept changing while it was being copied`);
  }

  /** The identities of a pool that hold sync data: those with a SUMMARY item (a Scan: no index lists a pool). */
  async *listIdentities(identityPoolId: string): AsyncIterable<string> {
    const prefix = identityPartition({ IdentityPoolId: identityPoolId, IdentityId: '' });
    let ExclusiveStartKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          FilterExpression: 'begins_with(PK, :prefix) AND SK = :summary',
          ExpressionAttributeValues: { ':prefix': { S: prefix }, ':summary': { S: sortKey.summary } },
          ProjectionExpression: 'PK',
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const partition = item.PK?.S;
        if (partition) yield partition.slice(prefix.length);
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  async listDatasets(identityPoolId: string, identityId: string): Promise<readonly DatasetListing[]> {
    const heads = await this.store.listDatasets({ IdentityPoolId: identityPoolId, IdentityId: identityId });
    return heads
      .filter((head) => !head.deleted)
      .map((head) => ({
        identityPoolId,
        identityId,
        datasetName: head.name,
        lastModifiedDate: head.lastModifiedDate,
        numRecords: head.numRecords,
        dataStorage: head.dataStorage,
      }));
  }

  async readDataset(address: DatasetAddress): Promise<DatasetSnapshot | undefined> {
    const dataset = datasetRefOf(address);
    // The store's listing settles a commit in flight first; its head is the one its records are of.
    const records: StoredRecord[] = [];
    let cursor: string | undefined;
    let page: Awaited<ReturnType<DynamoDBSyncStore['listRecords']>>;
    let floor = 0;
    do {
      page = await this.store.listRecords(dataset, floor, RECORDS_PAGE, cursor);
      if (!page.head || page.head.deleted) return undefined;
      // Records at or below the floor belong to a deleted incarnation: ListRecords never shows them.
      floor = page.head.floor;
      records.push(...page.records.filter((record) => record.syncCount > floor));
      cursor = page.cursor;
    } while (cursor);
    const head = page.head;
    return {
      ...address,
      syncCount: head.syncCount,
      creationDate: head.creationDate,
      lastModifiedDate: head.lastModifiedDate,
      lastModifiedBy: head.lastModifiedBy,
      records: records.map(recordFields).sort(bySyncCountThenKey),
      ...(head.deletedAtSyncCount > 0 ? { deletedAtSyncCount: head.deletedAtSyncCount } : {}),
    };
  }

  async readPoolConfiguration(identityPoolId: string): Promise<PoolConfiguration | undefined> {
    // Every pool has a configuration, empty until set: GetIdentityPoolConfiguration answers so.
    const { settings } = await this.poolSettings.read(identityPoolId);
    return {
      identityPoolId,
      ...(settings.PushSync !== undefined && { pushSync: settings.PushSync }),
      ...(settings.CognitoStreams !== undefined && { cognitoStreams: settings.CognitoStreams }),
      ...(settings.Events !== undefined && { cognitoEvents: settings.Events }),
    };
  }
}
