/**
 * The edge port: one endpoint for every AWS API. Requests signed for DynamoDB go to DynamoDB Local,
 * those signed for SNS, Kinesis, S3 (presigned URLs too) and STS to a moto server, each passed through unchanged; the
 * sync API is served as before. Without moto, the sync API still works and the start result says
 * what is off. Uses the run's shared DynamoDB Local and a moto server of its own.
 */
import { randomUUID } from 'node:crypto';
import { CognitoSyncClient, ListDatasetsCommand } from '@aws-sdk/client-cognito-sync';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { CreateTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEndpoint, type LocalEndpoint } from '../../lambdas/local/local-endpoint';
import { dynamoEndpoint } from '../helpers/dynamodb-local';
import { isLoopback, listeningAddresses } from '../helpers/listening-sockets';

const REGION = 'us-east-1';
/** What any AWS client needs besides the endpoint; the emulators accept any key. */
const clientConfig = (endpoint: string) => ({ region: REGION, endpoint, credentials: { accessKeyId: 'AKIDEDGETEST', secretAccessKey: 'edge-test-secret' } });
const POOL = 'us-east-1:11111111-2222-4333-8444-555555555555';
const IDENTITY = 'us-east-1:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

const start = (options: Parameters<typeof startLocalEndpoint>[0] = {}) =>
  startLocalEndpoint({ port: 0, inMemory: true, dynamoEndpoint: dynamoEndpoint(), tableName: `edge-${randomUUID()}`, ...options });

const datasets = async (endpoint: LocalEndpoint) => {
  const sync = new CognitoSyncClient({ region: REGION, endpoint: endpoint.url, credentials: endpoint.developer });
  try {
    return (await sync.send(new ListDatasetsCommand({ IdentityPoolId: POOL, IdentityId: IDENTITY }))).Datasets;
  } finally {
    sync.destroy();
  }
};

describe('with moto', () => {
  let endpoint: LocalEndpoint;
  beforeAll(async () => {
    endpoint = await start();
  }, 60_000);
  afterAll(async () => {
    await endpoint?.close();
  });

  it('starts moto with every feature on', () => {
    expect(endpoint.featuresOff).toBeUndefined();
    expect(endpoint.motoEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves DynamoDB: ListTables, PutItem and GetItem land in DynamoDB Local', async () => {
    const dynamo = new DynamoDBClient(clientConfig(endpoint.url));
    const TableName = `edge-ddb-${randomUUID()}`;
    await dynamo.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await dynamo.send(new PutItemCommand({ TableName, Item: { id: { S: 'a' }, value: { S: 'through the edge' } } }));
    const { Item } = await dynamo.send(new GetItemCommand({ TableName, Key: { id: { S: 'a' } }, ConsistentRead: true }));
    const tables: string[] = [];
    let ExclusiveStartTableName: string | undefined;
    do {
      const page = await dynamo.send(new ListTablesCommand({ ExclusiveStartTableName }));
      tables.push(...(page.TableNames ?? []));
      ExclusiveStartTableName = page.LastEvaluatedTableName;
    } while (ExclusiveStartTableName);
    dynamo.destroy();
    expect(Item).toEqual({ id: { S: 'a' }, value: { S: 'through the edge' } });
    // The same DynamoDB the service stores in: its own table is there too.
    expect(tables).toEqual(expect.arrayContaining([TableName, endpoint.tableName]));
  });

  it('serves SNS: CreateTopic, then ListTopics lists it', async () => {
    const sns = new SNSClient(clientConfig(endpoint.url));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'edge-topic' }));
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    sns.destroy();
    expect(TopicArn).toBe(`arn:aws:sns:${REGION}:123456789012:edge-topic`);
    expect(Topics?.map((t) => t.TopicArn)).toContain(TopicArn);
  });

  it('serves Kinesis: CreateStream, then ListStreams lists it', async () => {
    const kinesis = new KinesisClient(clientConfig(endpoint.url));
    await kinesis.send(new CreateStreamCommand({ StreamName: 'edge-stream', ShardCount: 1 }));
    const { StreamNames } = await kinesis.send(new ListStreamsCommand({}));
    kinesis.destroy();
    expect(StreamNames).toContain('edge-stream');
  });

  it('serves S3: PutObject, then GetObject, and a presigned GET URL fetched without an SDK', async () => {
    const s3 = new S3Client({ ...clientConfig(endpoint.url), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'edge-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'edge-bucket', Key: 'a/b.json', Body: '{"through":"the edge"}', ContentType: 'application/json' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'edge-bucket', Key: 'a/b.json' }));
    // Signed in the query string (X-Amz-Credential), as Cognito Streams' S3 payload URLs are.
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'edge-bucket', Key: 'a/b.json' }), { expiresIn: 300 });
    s3.destroy();
    expect(await got.Body?.transformToString()).toBe('{"through":"the edge"}');
    expect(url.startsWith(`${endpoint.url}/edge-bucket/a/b.json?`)).toBe(true);
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe('{"through":"the edge"}');
  });

  it('serves STS: GetCallerIdentity', async () => {
    const sts = new STSClient(clientConfig(endpoint.url));
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(identity.Account).toMatch(/^\d{12}$/);
    expect(identity.Arn).toMatch(/^arn:aws:(iam|sts)::\d{12}:/);
  });

  it('still serves the sync API on the same port', async () => {
    expect(await datasets(endpoint)).toEqual([]);
  });

  it('runs moto on loopback addresses only', () => {
    const addresses = listeningAddresses(Number(new URL(endpoint.motoEndpoint as string).port));
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter((address) => !isLoopback(address))).toEqual([]);
  });
});

describe('without moto', () => {
  it('serves the sync API and names what is off and how to enable it', async () => {
    const endpoint = await start({ moto: { python: '/nonexistent/python3' } });
    try {
      expect(endpoint.motoEndpoint).toBeUndefined();
      expect(endpoint.featuresOff).toBe('SNS, Kinesis, S3 and STS are off (/nonexistent/python3 was not found): to enable them, pip install "moto[server]"');
      expect(await datasets(endpoint)).toEqual([]);
      // An SNS or Kinesis request is told, in its own error shape, that the emulator is off and how
      // to turn it on (not a signature error), without retries: 501 is not a transient status.
      const sns = new SNSClient(clientConfig(endpoint.url));
      const snsError = (await sns.send(new ListTopicsCommand({})).catch((e: unknown) => e)) as Error & {
        $metadata: { httpStatusCode?: number; attempts?: number };
      };
      sns.destroy();
      expect(snsError.$metadata.httpStatusCode).toBe(501);
      expect(snsError.$metadata.attempts).toBe(1);
      expect(snsError.name).toBe('NotImplemented');
      expect(snsError.message).toBe('sns is off on this endpoint: the moto server that emulates it is not running (pip install "moto[server]", then restart)');
      const kinesis = new KinesisClient(clientConfig(endpoint.url));
      const kinesisError = (await kinesis.send(new ListStreamsCommand({})).catch((e: unknown) => e)) as Error;
      kinesis.destroy();
      expect(kinesisError.name).toBe('NotImplemented');
      expect(kinesisError.message).toMatch(/^kinesis is off on this endpoint/);
    } finally {
      await endpoint.close();
    }
  }, 60_000);
});
