/**
 * The DynamoDB table's shape, shared by the local runtime, the tests and the CDK stack (lib/sync-table.ts) so
 * the three cannot drift apart. The item layout lives in `keys.ts` and `items.ts`.
 *
 * The attribute names, the index name and the key schema are fixed for as long as the table lives
 * (test/infra/stack.test.ts pins them): changing them replaces the table and its data.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { sleep } from '../../common/sleep';

export const TABLE_KEYS = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** Local secondary index: records of one identity ordered by `<dataset>#<padded sync count>`. */
  bySyncCountIndex: 'BySyncCount',
  /** The BySyncCount index's sort key attribute ("local sort key"). */
  bySyncCountSortKey: 'LSK',
  /** Epoch seconds after which DynamoDB may delete the item (redo-log parts, leftovers). */
  timeToLive: 'expiresAt',
} as const;

export function tableDefinition(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, bySyncCountIndex, bySyncCountSortKey } = TABLE_KEYS;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
      { AttributeName: bySyncCountSortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: bySyncCountIndex,
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: bySyncCountSortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

/** Creates the table if it does not exist yet and waits until it is ACTIVE. Idempotent. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await sleep(100);
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.timeToLive, Enabled: true },
      }),
    );
  } catch (e) {
    // Already enabled on an existing table: DynamoDB answers a ValidationException.
    if ((e as Error).name !== 'ValidationException') throw e;
  }
}
