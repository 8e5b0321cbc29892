/**
 * GetIdentityPoolConfiguration and SetIdentityPoolConfiguration end to end with
 * `@aws-sdk/client-cognito-sync` (v3) against the local endpoint: set and get, partial updates, the
 * model's constraints, who may call them, unknown pools, and racing Sets.
 */
import {
  CognitoSyncClient,
  ConcurrentModificationException,
  GetIdentityPoolConfigurationCommand,
  InvalidParameterException,
  NotAuthorizedException,
  ResourceNotFoundException,
  SetIdentityPoolConfigurationCommand,
} from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../helpers/local-endpoint';

const ACCOUNT = '123456789012';
const push = (n: number) => ({ ApplicationArns: [`arn:aws:sns:us-east-1:${ACCOUNT}:app/GCM/app-${n}`], RoleArn: `arn:aws:iam::${ACCOUNT}:role/push-${n}` });
const streams = (n: number, StreamingStatus: 'ENABLED' | 'DISABLED' = 'ENABLED') => ({
  StreamName: `stream-${n}`,
  RoleArn: `arn:aws:iam::${ACCOUNT}:role/streams-${n}`,
  StreamingStatus,
});

let endpoint: Endpoint;
let developer: CognitoSyncClient;
const clients: CognitoSyncClient[] = [];

const client = (credentials: Endpoint['developerCredentials']): CognitoSyncClient => {
  const c = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};
const get = (IdentityPoolId: string) => developer.send(new GetIdentityPoolConfigurationCommand({ IdentityPoolId }));

beforeAll(async () => {
  endpoint = await startEndpoint();
  developer = client(endpoint.developerCredentials);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await endpoint?.close();
});

describe('GetIdentityPoolConfiguration and SetIdentityPoolConfiguration', () => {
  it('answer only the pool id for a pool never configured', async () => {
    const pool = await endpoint.createIdentityPool();
    const out = await get(pool);
    expect(out.IdentityPoolId).toBe(pool);
    expect(out.PushSync).toBeUndefined();
    expect(out.CognitoStreams).toBeUndefined();
  });

  it('store what Set names, and answer it from Set and from Get', async () => {
    const pool = await endpoint.createIdentityPool();
    const set = await developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, PushSync: push(1), CognitoStreams: streams(1) }));
    expect(set).toMatchObject({ IdentityPoolId: pool, PushSync: push(1), CognitoStreams: streams(1) });
    expect(await get(pool)).toMatchObject({ IdentityPoolId: pool, PushSync: push(1), CognitoStreams: streams(1) });
  });

  it('keep a member a Set leaves out, and replace one it names', async () => {
    const pool = await endpoint.createIdentityPool();
    await developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, PushSync: push(1), CognitoStreams: streams(1) }));
    await developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, CognitoStreams: streams(2, 'DISABLED') }));
    expect(await get(pool)).toMatchObject({ PushSync: push(1), CognitoStreams: streams(2, 'DISABLED') });
    await developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, PushSync: { ApplicationArns: [] } }));
    const out = await get(pool);
    expect(out.PushSync).toEqual({ ApplicationArns: [] });
    expect(out.CognitoStreams).toEqual(streams(2, 'DISABLED'));
  });

  it.each([
    [
      'an application ARN that is not an SNS platform application',
      { PushSync: { ApplicationArns: ['arn:aws:sns:us-east-1:123456789012:topic'] } },
      /applicationArns\.1\.member/,
    ],
    ['a push role that is not an IAM role ARN', { PushSync: { RoleArn: 'arn:aws:iam::123456789012:user/someone' } }, /pushSync\.roleArn/],
    ['a stream name longer than 128', { CognitoStreams: { StreamName: 's'.repeat(129) } }, /streamName/],
    ['an unknown streaming status', { CognitoStreams: { StreamingStatus: 'PAUSED' as 'ENABLED' } }, /streamingStatus/],
  ])('refuse %s with InvalidParameterException and change nothing', async (_, input, message) => {
    const pool = await endpoint.createIdentityPool();
    await developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, PushSync: push(1) }));
    const error = await developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, ...input })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toMatch(message);
    const out = await get(pool);
    expect(out.PushSync).toEqual(push(1));
    expect(out.CognitoStreams).toBeUndefined();
  });

  it('refuse an identity with NotAuthorizedException', async () => {
    const identity = await endpoint.newIdentity();
    const asIdentity = client(identity.credentials);
    const pool = identity.identityPoolId;
    await expect(asIdentity.send(new GetIdentityPoolConfigurationCommand({ IdentityPoolId: pool }))).rejects.toBeInstanceOf(NotAuthorizedException);
    await expect(asIdentity.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, PushSync: push(1) }))).rejects.toBeInstanceOf(
      NotAuthorizedException,
    );
    expect((await get(pool)).PushSync).toBeUndefined();
  });

  it('refuse a pool the local Cognito Identity does not know with ResourceNotFoundException', async () => {
    const unknown = 'us-east-1:00000000-0000-0000-0000-000000000000';
    await expect(get(unknown)).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: unknown, PushSync: push(1) }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('apply racing Sets whole, one after another, or refuse them with ConcurrentModificationException', async () => {
    const pool = await endpoint.createIdentityPool();
    const writers = Array.from({ length: 12 }, (_, n) => n);
    // Each Set names both members with its own number: a half-applied Set would leave two numbers.
    const outcomes = await Promise.all(
      writers.map((n) =>
        developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, PushSync: push(n), CognitoStreams: streams(n) })).then(
          () => 'applied',
          (e: unknown) => {
            if (e instanceof ConcurrentModificationException) return 'refused';
            throw e;
          },
        ),
      ),
    );
    expect(outcomes).toContain('applied');
    const out = await get(pool);
    const winner = Number(out.CognitoStreams?.StreamName?.replace('stream-', ''));
    expect(out).toMatchObject({ PushSync: push(winner), CognitoStreams: streams(winner) });
  });

  it('let racing partial Sets each keep the other member', async () => {
    // Several pools at once, so that the two Sets of some pool do read the same version.
    const pools = await Promise.all(Array.from({ length: 6 }, () => endpoint.createIdentityPool()));
    await Promise.all(
      pools.flatMap((pool) => [
        developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, PushSync: push(7) })),
        developer.send(new SetIdentityPoolConfigurationCommand({ IdentityPoolId: pool, CognitoStreams: streams(8) })),
      ]),
    );
    for (const pool of pools) expect(await get(pool)).toMatchObject({ PushSync: push(7), CognitoStreams: streams(8) });
  });
});
