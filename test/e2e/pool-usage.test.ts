/**
 * DescribeIdentityPoolUsage and ListIdentityPoolUsage end to end with `@aws-sdk/client-cognito-sync`
 * (v3) and the AWS CLI against the local endpoint: the pools listed are the local Cognito
 * Identity's, in pages (MaxResults echoed, default and maximum 60, a NextToken that cannot be
 * forged), with zeros for pools without data; developers only; unknown pools refused.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CognitoSyncClient,
  DescribeIdentityPoolUsageCommand,
  InvalidParameterException,
  ListIdentityPoolUsageCommand,
  NotAuthorizedException,
  ResourceNotFoundException,
  type IdentityPoolUsage,
} from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type AwsCredentials, type Endpoint } from '../helpers/local-endpoint';

let endpoint: Endpoint;
let developer: CognitoSyncClient;
const clients: CognitoSyncClient[] = [];
/** Every pool of this endpoint's fresh table, made before the tests run. */
const pools: string[] = [];
/** More than one page of the default and maximum size (60), and more than 61. */
const POOLS = 65;

const client = (credentials: AwsCredentials): CognitoSyncClient => {
  const c = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  endpoint = await startEndpoint();
  developer = client(endpoint.developerCredentials);
  for (let i = 0; i < POOLS; i++) pools.push(await endpoint.createIdentityPool(`usage ${i}`));
  pools.sort();
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.destroy();
  await endpoint?.close();
});

async function listAll(MaxResults?: number): Promise<{ usages: IdentityPoolUsage[]; pages: number[] }> {
  const usages: IdentityPoolUsage[] = [];
  const pages: number[] = [];
  let NextToken: string | undefined;
  do {
    const out = await developer.send(new ListIdentityPoolUsageCommand({ MaxResults, NextToken }));
    expect(out.MaxResults).toBe(Math.min(MaxResults ?? 60, 60));
    expect(out.Count).toBe(out.IdentityPoolUsages?.length);
    pages.push(out.Count as number);
    usages.push(...(out.IdentityPoolUsages ?? []));
    NextToken = out.NextToken;
  } while (NextToken);
  return { usages, pages };
}

const zeros = (IdentityPoolId: string) => ({ IdentityPoolId, SyncSessionsCount: 0, DataStorage: 0 });

describe('ListIdentityPoolUsage', () => {
  it('lists every pool once, 60 a page by default, with zeros for pools without data', async () => {
    const { usages, pages } = await listAll();
    expect(pages).toEqual([60, POOLS - 60]);
    expect(usages).toEqual(pools.map(zeros));
  });

  it.each([25, 1, 100])('pages by MaxResults %i (echoed; above 60 lowered to 60)', async (MaxResults) => {
    const { usages, pages } = await listAll(MaxResults);
    const size = Math.min(MaxResults, 60);
    expect(pages.slice(0, -1).every((n) => n === size)).toBe(true);
    expect(usages.map((u) => u.IdentityPoolId)).toEqual(pools);
  });

  it('refuses MaxResults below 1 and a NextToken it did not issue with InvalidParameterException', async () => {
    await expect(developer.send(new ListIdentityPoolUsageCommand({ MaxResults: 0 }))).rejects.toBeInstanceOf(InvalidParameterException);
    const { NextToken } = await developer.send(new ListIdentityPoolUsageCommand({ MaxResults: 2 }));
    const [payload, mac] = (NextToken as string).split('.');
    // The cursor moved to the last pool: a client may not skip or replay pages by editing it.
    const forged = `${Buffer.from(JSON.stringify({ c: pools[POOLS - 2] })).toString('base64url')}.${mac}`;
    for (const token of [forged, `${payload}.${mac.slice(1)}`, 'dXMtZWFzdC0xOjBjMWJhMDUy'])
      await expect(developer.send(new ListIdentityPoolUsageCommand({ NextToken: token }))).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('refuses an identity with NotAuthorizedException', async () => {
    const someone = await endpoint.newIdentity(pools[0]);
    await expect(client(someone.credentials).send(new ListIdentityPoolUsageCommand({}))).rejects.toBeInstanceOf(NotAuthorizedException);
  });
});

describe('DescribeIdentityPoolUsage', () => {
  it('answers zeros and no LastModifiedDate for a pool without data', async () => {
    const out = await developer.send(new DescribeIdentityPoolUsageCommand({ IdentityPoolId: pools[0] }));
    expect(out.IdentityPoolUsage).toEqual(zeros(pools[0]));
  });

  it('answers ResourceNotFoundException for a pool the local Cognito Identity does not know', async () => {
    const unknown = `${endpoint.region}:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`;
    const error = await developer.send(new DescribeIdentityPoolUsageCommand({ IdentityPoolId: unknown })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as Error).message).toBe(`IdentityPool '${unknown}' not found`);
  });

  it('refuses an identity with NotAuthorizedException, even for its own pool', async () => {
    const someone = await endpoint.newIdentity(pools[1]);
    await expect(client(someone.credentials).send(new DescribeIdentityPoolUsageCommand({ IdentityPoolId: pools[1] }))).rejects.toBeInstanceOf(
      NotAuthorizedException,
    );
  });
});

describe('the AWS CLI', () => {
  // Asynchronous: the endpoint answers from this very process, which a synchronous spawn would block.
  const cli = async (...args: string[]) => {
    const run = promisify(execFile);
    try {
      const out = await run('aws', ['cognito-sync', ...args, '--endpoint-url', endpoint.url, '--region', endpoint.region, '--output', 'json'], {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: endpoint.developerCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: endpoint.developerCredentials.secretAccessKey,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_MAX_ATTEMPTS: '1',
        },
      });
      return { status: 0, json: JSON.parse(out.stdout), stderr: out.stderr };
    } catch (e) {
      const failed = e as { code?: number; stderr?: string };
      return { status: failed.code ?? 1, json: undefined, stderr: failed.stderr ?? String(e) };
    }
  };

  it('lists and describes pool usage', async () => {
    const list = await cli('list-identity-pool-usage', '--max-results', '3');
    expect(list.status, list.stderr).toBe(0);
    expect(list.json).toMatchObject({ MaxResults: 3, Count: 3, IdentityPoolUsages: pools.slice(0, 3).map(zeros) });
    expect(typeof list.json.NextToken).toBe('string');
    const describe = await cli('describe-identity-pool-usage', '--identity-pool-id', pools[2]);
    expect(describe.status, describe.stderr).toBe(0);
    expect(describe.json).toEqual({ IdentityPoolUsage: zeros(pools[2]) });
    const unknown = await cli('describe-identity-pool-usage', '--identity-pool-id', `${endpoint.region}:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/ResourceNotFoundException/);
  });
});
