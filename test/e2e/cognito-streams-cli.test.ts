/**
 * Cognito Streams as a user sets it up with the AWS CLI (v1, `aws` on the PATH) against the local
 * endpoint (edge port, moto behind it, the change feed on): `aws kinesis create-stream`,
 * `aws cognito-sync set-identity-pool-configuration --cognito-streams ...`, syncs from an app (the
 * v3 client signed as an identity), and the documented records read back with `aws kinesis get-records`.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials } from '../../lambdas/src/adapters/aws/role-credentials';
import { sleep } from '../../lambdas/src/common/sleep';
import { type LocalEndpoint, startLocalEndpoint } from '../../lambdas/local/local-endpoint';
import { dynamoEndpoint } from '../helpers/dynamodb-local';

const REGION = 'us-east-1';
/** moto's default account owns the stream; the role is the one the consumer assumes to write to it. */
const ROLE = 'arn:aws:iam::123456789012:role/cognito-streams';

let edge: LocalEndpoint;
let developerIdentity: CognitoIdentityClient;
let anonymousIdentity: CognitoIdentityClient;

beforeAll(async () => {
  edge = await startLocalEndpoint({ port: 0, inMemory: true, dynamoEndpoint: dynamoEndpoint(), tableName: `streams-cli-${randomUUID()}` });
  developerIdentity = new CognitoIdentityClient({ region: REGION, endpoint: edge.url, credentials: edge.developer });
  anonymousIdentity = new CognitoIdentityClient({ region: REGION, endpoint: edge.url });
}, 60_000);

afterAll(async () => {
  developerIdentity?.destroy();
  anonymousIdentity?.destroy();
  await edge?.close();
});

/** One AWS CLI command through the endpoint, with the given pair; its JSON answer (asynchronous: the endpoint answers from this process). */
async function aws(credentials: { accessKeyId: string; secretAccessKey: string }, ...args: string[]): Promise<Record<string, unknown>> {
  const out = await promisify(execFile)('aws', [...args, '--endpoint-url', edge.url, '--region', REGION, '--output', 'json'], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_MAX_ATTEMPTS: '1',
    },
  });
  return out.stdout.trim() === '' ? {} : (JSON.parse(out.stdout) as Record<string, unknown>);
}

/** An app's client: the v3 Cognito Sync client signed with an identity's session credentials. */
async function appOf(IdentityPoolId: string): Promise<{ identityId: string; client: CognitoSyncClient }> {
  const { IdentityId } = await anonymousIdentity.send(new GetIdCommand({ IdentityPoolId }));
  const { Credentials: c } = await anonymousIdentity.send(new GetCredentialsForIdentityCommand({ IdentityId }));
  if (!IdentityId || !c?.AccessKeyId || !c.SecretKey || !c.SessionToken) throw new Error('incomplete Cognito Identity answer');
  const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken };
  return { identityId: IdentityId, client: new CognitoSyncClient({ region: REGION, endpoint: edge.url, credentials }) };
}

async function put(client: CognitoSyncClient, dataset: { IdentityPoolId: string; IdentityId: string; DatasetName: string }, Key: string, Value: string) {
  const listed = await client.send(new ListRecordsCommand(dataset));
  const SyncCount = listed.Records?.find((r) => r.Key === Key)?.SyncCount ?? 0;
  await client.send(
    new UpdateRecordsCommand({ ...dataset, SyncSessionToken: listed.SyncSessionToken, RecordPatches: [{ Op: 'replace', Key, Value, SyncCount }] }),
  );
}

describe('Cognito Streams with the AWS CLI', () => {
  it('creates the stream and enables streaming with the CLI, and the app syncs arrive as documented records', async () => {
    const kinesisPair = emulatorCredentials() as { accessKeyId: string; secretAccessKey: string };
    const { IdentityPoolId } = await developerIdentity.send(
      new CreateIdentityPoolCommand({ IdentityPoolName: 'cli streams', AllowUnauthenticatedIdentities: true }),
    );
    const pool = IdentityPoolId as string;
    const stream = `cli-${randomUUID()}`;

    await aws(kinesisPair, 'kinesis', 'create-stream', '--stream-name', stream, '--shard-count', '1');
    const configured = await aws(
      edge.developer,
      'cognito-sync',
      'set-identity-pool-configuration',
      '--identity-pool-id',
      pool,
      '--cognito-streams',
      `StreamName=${stream},RoleArn=${ROLE},StreamingStatus=ENABLED`,
    );
    expect(configured).toMatchObject({ IdentityPoolId: pool, CognitoStreams: { StreamName: stream, RoleArn: ROLE, StreamingStatus: 'ENABLED' } });
    const shown = await aws(edge.developer, 'cognito-sync', 'get-identity-pool-configuration', '--identity-pool-id', pool);
    expect(shown).toMatchObject({ CognitoStreams: { StreamName: stream, StreamingStatus: 'ENABLED' } });

    const app = await appOf(pool);
    const dataset = { IdentityPoolId: pool, IdentityId: app.identityId, DatasetName: 'profile' };
    try {
      await put(app.client, dataset, 'name', 'Ada');
      await put(app.client, dataset, 'name', 'Ada Lovelace');
    } finally {
      app.client.destroy();
    }

    const shards = (await aws(kinesisPair, 'kinesis', 'describe-stream', '--stream-name', stream)) as { StreamDescription: { Shards: { ShardId: string }[] } };
    const shardId = shards.StreamDescription.Shards[0]?.ShardId as string;
    let records: { PartitionKey: string; Data: string }[] = [];
    // The change feed delivers each sync shortly after it commits.
    for (let attempt = 0; records.length < 2 && attempt < 100; attempt++) {
      if (attempt > 0) await sleep(200);
      const { ShardIterator } = await aws(
        kinesisPair,
        'kinesis',
        'get-shard-iterator',
        '--stream-name',
        stream,
        '--shard-id',
        shardId,
        '--shard-iterator-type',
        'TRIM_HORIZON',
      );
      records = ((await aws(kinesisPair, 'kinesis', 'get-records', '--shard-iterator', String(ShardIterator))).Records ?? []) as typeof records;
    }

    expect(records).toHaveLength(2);
    expect(records.map((r) => r.PartitionKey)).toEqual([app.identityId, app.identityId]);
    // The CLI shows Data base64-encoded: the record is the documented JSON.
    const bodies = records.map((r) => JSON.parse(Buffer.from(r.Data, 'base64').toString('utf8')) as Record<string, unknown>);
    expect(bodies.map((b) => b.syncCount)).toEqual([1, 2]);
    const last = bodies[1] as Record<string, unknown>;
    expect(Object.keys(last).sort()).toEqual(
      ['dataSetName', 'datasetName', 'identityId', 'identityPoolId', 'kinesisSyncRecords', 'lastModifiedDate', 'operation', 'payloadType', 'syncCount'].sort(),
    );
    expect(last).toMatchObject({
      identityPoolId: pool,
      identityId: app.identityId,
      dataSetName: 'profile',
      datasetName: 'profile',
      operation: 'replace',
      syncCount: 2,
      payloadType: 'Inline',
    });
    expect(Number.isInteger(last.lastModifiedDate) && (last.lastModifiedDate as number) > 1e12).toBe(true);
    const [name] = last.kinesisSyncRecords as Record<string, unknown>[];
    expect(Object.keys(name ?? {}).sort()).toEqual(['deviceLastModifiedDate', 'key', 'lastModifiedDate', 'op', 'syncCount', 'value']);
    expect(name).toMatchObject({ key: 'name', value: 'Ada Lovelace', syncCount: 2, op: 'replace' });
    for (const field of ['lastModifiedDate', 'deviceLastModifiedDate']) expect(Number.isInteger(name?.[field]) && (name?.[field] as number) > 1e12).toBe(true);
  }, 120_000);
});
