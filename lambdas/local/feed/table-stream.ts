/**
 * The table's stream, for the local poller: its ARN, after turning it on for a table created before
 * streams were part of the table's definition (a data directory from an older version). DynamoDB
 * Local keeps a stream enabled by UpdateTable across restarts like one created with the table.
 */
import { DescribeTableCommand, type DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { sleep } from '../../src/common/sleep';
import { tableDefinition } from '../../src/adapters/dynamodb/table-schema';

/** The stream the definition asks for (NEW_AND_OLD_IMAGES): the decoder needs both images. */
const WANTED = tableDefinition('unused').StreamSpecification;

export async function ensureTableStream(client: DynamoDBClient, tableName: string): Promise<string> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const spec = Table?.StreamSpecification;
  if (Table?.LatestStreamArn && spec?.StreamEnabled && spec.StreamViewType === WANTED?.StreamViewType) return Table.LatestStreamArn;
  if (spec?.StreamEnabled) {
    // Another view type: a stream's view type cannot be changed in place; off, then on again.
    await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
  }
  await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: WANTED }));
  for (let i = 0; i < 100; i++) {
    const { Table: now } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (now?.LatestStreamArn && now.StreamSpecification?.StreamEnabled && now.TableStatus === 'ACTIVE') return now.LatestStreamArn;
    await sleep(100);
  }
  throw new Error(`the stream of table ${tableName} did not come up`);
}
