/**
 * Cognito Streams' place in the change feed (consumers.ts), and the one composition of its
 * publisher, which the BulkPublish worker shares: the pool's settings on the table, the developer's
 * stream through the developer's role (STS, cached), and the payload bucket for large updates.
 * Locally `config.awsEndpoint` is the edge port: STS, Kinesis and S3 are moto's.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { emulatorCredentials, RoleCredentials } from '../adapters/aws/role-credentials';
import { DynamoDBPoolStreamingSettings } from '../adapters/dynamodb/pool-streaming-settings';
import { KinesisStreamWriter } from '../adapters/kinesis/kinesis-stream-writer';
import { roleKinesisClients } from '../adapters/kinesis/role-kinesis-clients';
import { creatingBucketFirst, LOCAL_PAYLOAD_BUCKET } from '../adapters/s3/local-payload-bucket';
import { S3PayloadStore } from '../adapters/s3/s3-payload-store';
import type { FeedConsumer } from '../domain/feed/committed-sync';
import { systemClock } from '../domain/ports';
import { CommittedSyncStreaming } from '../domain/streams/committed-sync-streaming';
import type { PayloadStore, StreamingSettings } from '../domain/streams/ports';
import { StreamPublisher } from '../domain/streams/stream-publisher';
import type { FeedDependencies } from './consumers';

export interface StreamsComposition {
  readonly settings: StreamingSettings;
  readonly publisher: StreamPublisher;
}

export function composeStreams({ config, dynamodb, tableName }: FeedDependencies): StreamsComposition {
  const endpoint = config.awsEndpoint;
  const settings = new DynamoDBPoolStreamingSettings(dynamodb, tableName);
  const roles = new RoleCredentials({ region: config.region, ...(endpoint && { endpoint }) });
  const writer = new KinesisStreamWriter({ clientFor: roleKinesisClients(roles, config.region, endpoint) });
  return {
    settings,
    publisher: new StreamPublisher({ settings, writer, payloads: payloadStore(config.region, endpoint, config.streams.payloadBucket), clock: systemClock }),
  };
}

function payloadStore(region: string, endpoint: string | undefined, bucket: string | undefined): PayloadStore {
  if (!endpoint) {
    if (!bucket) return NO_BUCKET;
    // The URL is signed with this function's own role, which the stack lets read the bucket.
    return new S3PayloadStore(new S3Client({ region }), bucket);
  }
  // Path-style: the edge port cannot answer for <bucket>.127.0.0.1.
  const s3 = new S3Client({ region, endpoint, forcePathStyle: true, credentials: emulatorCredentials() });
  const name = bucket ?? LOCAL_PAYLOAD_BUCKET;
  return creatingBucketFirst(s3, name, new S3PayloadStore(s3, name));
}

/** A deployment without the bucket variable: large payloads fail (and wait in the failure queue). */
const NO_BUCKET: PayloadStore = {
  store: async () => {
    throw new Error('SYNC_STREAM_PAYLOAD_BUCKET is not set: a payload over the Kinesis record size cannot be stored');
  },
};

export const cognitoStreamsConsumer = (dependencies: FeedDependencies): FeedConsumer => {
  const { settings, publisher } = composeStreams(dependencies);
  return new CommittedSyncStreaming(settings, publisher);
};
