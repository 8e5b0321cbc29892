/**
 * The drop-in key table's definition, for the stack (lib/drop-in.ts) and the tests, which create it
 * on DynamoDB Local: one string partition key, TTL on `expiresAt` (dynamodb-key-store.ts).
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const KEY_TABLE_PARTITION_KEY = 'pk';

export async function createKeyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: KEY_TABLE_PARTITION_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: KEY_TABLE_PARTITION_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
