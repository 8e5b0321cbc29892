/**
 * Reads a table's DynamoDB stream on DynamoDB Local from its beginning, every shard, in the shape
 * Lambda hands a function: the change feed's tests feed the decoder and the runner real records.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { DYNAMODB_LOCAL_CLIENT_CONFIG } from '../../lambdas/src/adapters/dynamodb/local-client';
import { toLambdaRecord } from '../../lambdas/local/feed/lambda-shape';
import { ensureTableStream } from '../../lambdas/local/feed/table-stream';

export async function readWholeStream(client: DynamoDBClient, endpoint: string, tableName: string): Promise<DynamoDBRecord[]> {
  const streamArn = await ensureTableStream(client, tableName);
  const streams = new DynamoDBStreamsClient({ ...DYNAMODB_LOCAL_CLIENT_CONFIG, endpoint });
  try {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const records: DynamoDBRecord[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      let { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      while (ShardIterator) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
        const got = page.Records ?? [];
        records.push(...got.map((r) => toLambdaRecord(r, streamArn)));
        // An open shard always gives a next iterator: stop at its end.
        ShardIterator = got.length > 0 ? page.NextShardIterator : undefined;
      }
    }
    return records;
  } finally {
    streams.destroy();
  }
}
