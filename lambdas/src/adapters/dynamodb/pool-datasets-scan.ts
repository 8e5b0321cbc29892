/**
 * A pool's live datasets for BulkPublish: a parallel Scan of the table (`TotalSegments` segments),
 * keeping the dataset heads of the pool's identities that are not deleted, and each head's live
 * records read through the store (which settles a commit in flight and joins large values).
 *
 * A Scan reads the whole table whatever the filter: BulkPublish is rare (once a day at most per pool)
 * and a pool's identities share no partition a Query could reach, so this is the one way without an
 * index that every write would pay for.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DatasetSnapshot, DatasetsPage, PoolDatasets } from '../../domain/pools/bulk-publish-ports';
import type { StoredRecord, SyncStore } from '../../domain/ports';
import type { KinesisSyncRecord } from '../../domain/streams/stream-record';
import { datasetOfHead, SORT_KEY_PREFIX } from './keys';

/** Parallel segments of a job; each checkpoints on its own. */
export const BULK_PUBLISH_SEGMENTS = 4;
/** Items a Scan page evaluates (before the filter): bounds the work lost when a worker dies mid-page. */
export const SCAN_PAGE_ITEMS = 1_000;
/** Records per ListRecords page: a dataset holds at most 1,024 live records. */
const RECORDS_PAGE = 1_024;

export class DynamoDBPoolDatasets implements PoolDatasets {
  readonly totalSegments: number;
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly store: Pick<SyncStore, 'listRecords'>,
    totalSegments = BULK_PUBLISH_SEGMENTS,
    private readonly pageItems = SCAN_PAGE_ITEMS,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
    this.totalSegments = totalSegments;
  }

  async page(identityPoolId: string, segment: number, cursor: string | undefined): Promise<DatasetsPage> {
    const out = await this.documents.send(
      new ScanCommand({
        TableName: this.tableName,
        Segment: segment,
        TotalSegments: this.totalSegments,
        Limit: this.pageItems,
        ExclusiveStartKey: cursor ? JSON.parse(cursor) : undefined,
        FilterExpression: 'begins_with(PK, :identities) AND begins_with(SK, :head) AND (attribute_not_exists(deleted) OR deleted = :false)',
        ExpressionAttributeValues: { ':identities': `I#${identityPoolId}#`, ':head': SORT_KEY_PREFIX.head, ':false': false },
        ProjectionExpression: 'PK, SK',
        ConsistentRead: true,
      }),
    );
    const prefixLength = `I#${identityPoolId}#`.length;
    const datasets = await Promise.all(
      (out.Items ?? []).map((item) => this.snapshot(identityPoolId, String(item.PK).slice(prefixLength), datasetOfHead(String(item.SK)))),
    );
    return {
      datasets: datasets.filter((d): d is DatasetSnapshot => d !== undefined),
      ...(out.LastEvaluatedKey && { next: JSON.stringify(out.LastEvaluatedKey) }),
    };
  }

  /** The dataset's live records as they stand; undefined if it was deleted since the scan saw it. */
  private async snapshot(IdentityPoolId: string, IdentityId: string, DatasetName: string): Promise<DatasetSnapshot | undefined> {
    const dataset = { IdentityPoolId, IdentityId, DatasetName };
    const records: StoredRecord[] = [];
    let cursor: string | undefined;
    let page: Awaited<ReturnType<SyncStore['listRecords']>>;
    do {
      page = await this.store.listRecords(dataset, 0, RECORDS_PAGE, cursor);
      records.push(...page.records);
      cursor = page.cursor;
    } while (cursor);
    const head = page.head;
    if (!head || head.deleted) return undefined;
    return {
      identityId: IdentityId,
      datasetName: DatasetName,
      syncCount: head.syncCount,
      lastModifiedDate: head.lastModifiedDate,
      records: records.filter((r) => r.value !== undefined).map(liveRecordOf),
    };
  }
}

const liveRecordOf = (record: StoredRecord): KinesisSyncRecord => ({
  key: record.key,
  value: record.value,
  syncCount: record.syncCount,
  lastModifiedDate: record.lastModifiedDate,
  deviceLastModifiedDate: record.deviceLastModifiedDate ?? record.lastModifiedDate,
  op: 'replace',
});
