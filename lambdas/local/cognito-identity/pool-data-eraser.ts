/**
 * What DeleteIdentityPool does to a pool's sync data locally: it goes with the pool. Every item of
 * the pool's identities (`I#<pool>#...`: datasets, records, totals) and of the pool itself
 * (`P#<pool>`, `P#<pool>#...`: configuration, Cognito Events, usage counters) is deleted, so a
 * deleted pool leaves nothing behind in the data directory. Removed dataset heads announce nothing
 * to the change feed (adapters/dynamodb/stream-decoder.ts), so no consumer acts on the erasure.
 *
 * A scan of the whole table: fine for a local data directory, and the only way to find every
 * identity's partition of a pool without an index of them.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { identityPartition, poolPartition } from '../../src/adapters/dynamodb/keys';

const BATCH_WRITE_LIMIT = 25;

export async function erasePoolData(documents: DynamoDBDocumentClient, tableName: string, identityPoolId: string): Promise<number> {
  const pool = poolPartition(identityPoolId);
  // The identity partitions' prefix: `I#<pool>#`, from the key scheme itself.
  const identities = identityPartition({ IdentityPoolId: identityPoolId, IdentityId: '' });
  let erased = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: 'PK, SK',
        FilterExpression: 'begins_with(PK, :identities) OR PK = :pool OR begins_with(PK, :poolItems)',
        ExpressionAttributeValues: { ':identities': identities, ':pool': pool, ':poolItems': `${pool}#` },
        ExclusiveStartKey,
        ConsistentRead: true,
      }),
    );
    const keys = (page.Items ?? []).map((item) => ({ PK: item.PK, SK: item.SK }));
    for (let i = 0; i < keys.length; i += BATCH_WRITE_LIMIT) {
      let pending = keys.slice(i, i + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
      while (pending.length > 0) {
        const out = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (out.UnprocessedItems?.[tableName] as typeof pending | undefined) ?? [];
      }
    }
    erased += keys.length;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return erased;
}
