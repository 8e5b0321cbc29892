/**
 * A record as DynamoDB Streams' GetRecords gives it, in the shape Lambda hands a function on a
 * DynamoDB stream (aws-lambda's DynamoDBRecord), so that the local poller feeds the deployed code
 * exactly what it gets deployed.
 */
import type { _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';

export function toLambdaRecord(record: SdkStreamRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...stream } = record.dynamodb ?? {};
  return {
    ...(record as Omit<DynamoDBRecord, 'dynamodb'>),
    eventSourceARN: streamArn,
    dynamodb: {
      ...(stream as NonNullable<DynamoDBRecord['dynamodb']>),
      // Lambda gives epoch seconds where the SDK gives a Date.
      ...(ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000) } : {}),
    },
  };
}
