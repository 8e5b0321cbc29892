/**
 * Cognito Streams' view of a pool's settings item (`P#<pool>` / `CONFIG`, pool-settings-store.ts):
 * reads its CognitoStreams, and switches streaming off in place with one conditional update that
 * leaves every other setting as it is and bumps the item's Version, so that a SetIdentityPoolConfiguration
 * racing with it merges again over the switch instead of undoing it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PoolStreaming, StreamingSettings, StreamsSettings, StreamTarget } from '../../domain/streams/ports';
import { poolPartition, sortKey } from './keys';

/**
 * Beside the settings, not in them: GetIdentityPoolConfiguration does not show it, and the whole-item
 * write of a SetIdentityPoolConfiguration drops it, so setting streaming again ends the hold.
 */
const DISABLED_AT = 'StreamingDisabledAt';

const keyOf = (identityPoolId: string) => ({ PK: poolPartition(identityPoolId), SK: sortKey.poolConfiguration });

export class DynamoDBPoolStreamingSettings implements StreamingSettings {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async streamingOf(identityPoolId: string): Promise<PoolStreaming> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: keyOf(identityPoolId),
        ProjectionExpression: `CognitoStreams, ${DISABLED_AT}`,
        ConsistentRead: true,
      }),
    );
    const streams = Item?.CognitoStreams as StreamsSettings | undefined;
    const disabledAt = Item?.[DISABLED_AT] as number | undefined;
    return { ...(streams && { streams }), ...(disabledAt !== undefined && { disabledAt }) };
  }

  async disable(target: StreamTarget, reason: string, at: number): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(target.identityPoolId),
          UpdateExpression:
            'SET CognitoStreams.StreamingStatus = :disabled, CognitoStreams.DisabledReason = :reason, Version = Version + :one, #disabledAt = :at',
          // Only the settings that failed: a developer who meanwhile named another stream or role,
          // or switched streaming off, keeps what they set.
          ConditionExpression: 'CognitoStreams.StreamName = :stream AND CognitoStreams.RoleArn = :role AND CognitoStreams.StreamingStatus = :enabled',
          ExpressionAttributeValues: {
            ':disabled': 'DISABLED',
            ':enabled': 'ENABLED',
            ':reason': reason,
            ':stream': target.streamName,
            ':role': target.roleArn,
            ':one': 1,
            ':at': at,
          },
          ExpressionAttributeNames: { '#disabledAt': DISABLED_AT },
        }),
      );
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  }
}
