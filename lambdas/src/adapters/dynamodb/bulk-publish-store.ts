/**
 * A pool's BulkPublish job on its own item of the pool's partition, `P#<pool>` / `BULK_PUBLISH`:
 * beside the settings item, not in it, because SetIdentityPoolConfiguration writes that one whole
 * and would wipe a running job's checkpoint. Every write is conditioned on the job id (and on
 * IN_PROGRESS), so a stale worker of an older job can never move or end a newer one.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BulkPublishJob, JobOutcome, SegmentCursor } from '../../domain/pools/bulk-publish-model';
import type { BulkPublishStore } from '../../domain/pools/bulk-publish-ports';
import { poolPartition } from './keys';

/** The job item's sort key in the pool's partition (keys.ts lists the partition's other items). */
export const BULK_PUBLISH_SORT_KEY = 'BULK_PUBLISH';

const keyOf = (identityPoolId: string) => ({ PK: poolPartition(identityPoolId), SK: BULK_PUBLISH_SORT_KEY });

const isConditionFailure = (e: unknown) => (e as Error).name === 'ConditionalCheckFailedException';

export class DynamoDBBulkPublishStore implements BulkPublishStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async read(identityPoolId: string): Promise<BulkPublishJob | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: keyOf(identityPoolId), ConsistentRead: true }));
    if (!Item) return undefined;
    return {
      jobId: String(Item.JobId),
      status: Item.Status as BulkPublishJob['status'],
      startTime: Number(Item.StartTime),
      touchedAt: Number(Item.TouchedAt),
      ...(Item.CompleteTime !== undefined && { completeTime: Number(Item.CompleteTime) }),
      ...(Item.FailureMessage !== undefined && { failureMessage: String(Item.FailureMessage) }),
      segments: Item.Segments as SegmentCursor[],
      ...(Item.LastSucceededAt !== undefined && { lastSucceededAt: Number(Item.LastSucceededAt) }),
    };
  }

  async start(identityPoolId: string, job: BulkPublishJob, replacing: string | undefined): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(identityPoolId),
            JobId: job.jobId,
            Status: job.status,
            StartTime: job.startTime,
            TouchedAt: job.touchedAt,
            Segments: job.segments,
            LastSucceededAt: job.lastSucceededAt,
          },
          ...(replacing === undefined
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : {
                ConditionExpression: 'JobId = :replacing AND #status <> :inProgress',
                ExpressionAttributeNames: { '#status': 'Status' },
                ExpressionAttributeValues: { ':replacing': replacing, ':inProgress': 'IN_PROGRESS' },
              }),
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  async checkpoint(identityPoolId: string, jobId: string, segment: number, cursor: SegmentCursor, at: number): Promise<void> {
    await this.updateRunning(identityPoolId, jobId, `SET #segments[${segment}] = :cursor, TouchedAt = :at`, { ':cursor': cursor, ':at': at });
  }

  async finish(identityPoolId: string, jobId: string, outcome: JobOutcome): Promise<void> {
    if (outcome.status === 'SUCCEEDED') {
      await this.updateRunning(identityPoolId, jobId, 'SET #status = :status, CompleteTime = :at, LastSucceededAt = :at', {
        ':status': outcome.status,
        ':at': outcome.at,
      });
    } else {
      await this.updateRunning(identityPoolId, jobId, 'SET #status = :status, CompleteTime = :at, FailureMessage = :message', {
        ':status': outcome.status,
        ':at': outcome.at,
        ':message': outcome.message,
      });
    }
  }

  /** An update of the job `jobId` while it runs; a job that is no longer it, or over, is left alone. */
  private async updateRunning(identityPoolId: string, jobId: string, UpdateExpression: string, values: Record<string, unknown>): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(identityPoolId),
          UpdateExpression,
          ConditionExpression: 'JobId = :jobId AND #status = :inProgress',
          ExpressionAttributeNames: { '#status': 'Status', ...(UpdateExpression.includes('#segments') && { '#segments': 'Segments' }) },
          ExpressionAttributeValues: { ...values, ':jobId': jobId, ':inProgress': 'IN_PROGRESS' },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }
}
