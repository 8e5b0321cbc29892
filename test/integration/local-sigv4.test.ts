/**
 * The local endpoint's front door, driven by the real clients: the Cognito Identity subset
 * (CreateIdentityPool, GetId, GetCredentialsForIdentity, fromCognitoIdentityPool), and SigV4
 * verification of Cognito Sync requests, including requests we sign ourselves and then break.
 */
import { randomBytes } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DescribeIdentityCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import { CognitoSyncClient, DescribeIdentityUsageCommand, ListDatasetsCommand, ListRecordsCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { HttpRequest } from '@smithy/protocol-http';
import AWS from 'aws-sdk';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEVELOPER_ACCESS_KEY_ID, DEFAULT_DEVELOPER_SECRET_ACCESS_KEY, mintSessionCredentials } from '../../lambdas/local/auth/credentials';
import { startLocalServer, type LocalServer } from '../../lambdas/local/http/server';
import { freshTable } from '../helpers/dynamodb-local';

const REGION = 'us-east-1';
const developer = { accessKeyId: DEFAULT_DEVELOPER_ACCESS_KEY_ID, secretAccessKey: DEFAULT_DEVELOPER_SECRET_ACCESS_KEY };
const serverKey = randomBytes(32);

let server: LocalServer;
let identityClient: CognitoIdentityClient;
let poolId: string;

beforeAll(async () => {
  const { tableName, endpoint } = await freshTable('local-sigv4');
  server = await startLocalServer({ port: 0, region: REGION, tableName, dynamoEndpoint: endpoint, serverKey, developer });
  identityClient = new CognitoIdentityClient({ region: REGION, endpoint: server.url, credentials: developer });
  const pool = await identityClient.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'local sigv4', AllowUnauthenticatedIdentities: true }));
  poolId = pool.IdentityPoolId as string;
});

afterAll(async () => {
  identityClient?.destroy();
  await server?.close();
});

/** Error name and message of a rejected client call. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('Cognito Identity subset', () => {
  it('creates a pool with developer credentials', async () => {
    const out = await identityClient.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'My_pool 2', AllowUnauthenticatedIdentities: false }));
    expect(out.IdentityPoolId).toMatch(/^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(out.IdentityPoolName).toBe('My_pool 2');
    expect(out.AllowUnauthenticatedIdentities).toBe(false);
  });

  it('issues identities and one-hour session credentials, unsigned as in AWS', async () => {
    // No credentials at all: GetId and GetCredentialsForIdentity are unauthenticated operations.
    const anonymous = new CognitoIdentityClient({ region: REGION, endpoint: server.url });
    const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId: poolId }));
    expect(IdentityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    const out = await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    expect(out.IdentityId).toBe(IdentityId);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.SecretKey).toHaveLength(40);
    expect(out.Credentials?.SessionToken).toBeTruthy();
    const ttl = Number(out.Credentials?.Expiration) - Date.now();
    expect(ttl).toBeGreaterThan(59 * 60_000);
    expect(ttl).toBeLessThanOrEqual(60 * 60_000);
    anonymous.destroy();
  });

  it('answers Cognito Identity errors the client recognises', async () => {
    expect(
      await failure(identityClient.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'no-dashes!', AllowUnauthenticatedIdentities: true }))),
    ).toMatchObject({
      name: 'InvalidParameterException',
      status: 400,
      message:
        "1 validation error detected: Value 'no-dashes!' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w ]+",
    });
    const missingPool = 'us-east-1:00000000-0000-4000-8000-000000000000';
    expect(await failure(identityClient.send(new GetIdCommand({ IdentityPoolId: missingPool })))).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
      message: `IdentityPool '${missingPool}' not found.`,
    });
    expect(await failure(identityClient.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { 'accounts.google.com': 'x' } })))).toMatchObject({
      name: 'NotAuthorizedException',
      status: 403,
      message: 'Logins are not supported by the local endpoint: use unauthenticated identities',
    });
    const closed = await identityClient.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'closed', AllowUnauthenticatedIdentities: false }));
    expect(await failure(identityClient.send(new GetIdCommand({ IdentityPoolId: closed.IdentityPoolId })))).toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Unauthenticated access is not supported for this identity pool.',
    });
    const missingIdentity = 'us-east-1:00000000-0000-4000-8000-000000000001';
    expect(await failure(identityClient.send(new GetCredentialsForIdentityCommand({ IdentityId: missingIdentity })))).toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Identity '${missingIdentity}' not found.`,
    });
    expect(await failure(identityClient.send(new DescribeIdentityCommand({ IdentityId: missingIdentity })))).toMatchObject({
      name: 'UnknownOperationException',
      status: 400,
    });
  });

  it('requires a valid developer signature for CreateIdentityPool', async () => {
    const wrong = new CognitoIdentityClient({
      region: REGION,
      endpoint: server.url,
      credentials: { accessKeyId: developer.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    expect(await failure(wrong.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'x', AllowUnauthenticatedIdentities: true })))).toMatchObject({
      name: 'InvalidSignatureException',
    });
    wrong.destroy();
  });
});

describe('Cognito Sync with the real clients', () => {
  it('accepts fromCognitoIdentityPool credentials, end to end through the handlers', async () => {
    const credentials = fromCognitoIdentityPool({ identityPoolId: poolId, clientConfig: { region: REGION, endpoint: server.url } });
    const { identityId } = await credentials();
    const sync = new CognitoSyncClient({ region: REGION, endpoint: server.url, credentials });
    const dataset = { IdentityPoolId: poolId, IdentityId: identityId, DatasetName: 'settings' };

    // Path labels with `%3A`, query parameters, a body: everything the signature covers.
    expect((await sync.send(new ListDatasetsCommand({ IdentityPoolId: poolId, IdentityId: identityId, MaxResults: 10 }))).Datasets).toEqual([]);
    const { SyncSessionToken } = await sync.send(new ListRecordsCommand({ ...dataset, LastSyncCount: 0, MaxResults: 5 }));
    const updated = await sync.send(
      new UpdateRecordsCommand({
        ...dataset,
        SyncSessionToken,
        RecordPatches: [{ Op: 'replace', Key: 'colour', Value: 'blue – ünïcode', SyncCount: 0 }],
      }),
    );
    expect(updated.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['colour', 'blue – ünïcode', 1]]);
    sync.destroy();
  });

  it('accepts the developer key pair', async () => {
    const sync = new CognitoSyncClient({ region: REGION, endpoint: server.url, credentials: developer });
    const identityId = 'us-east-1:00000000-0000-4000-8000-0000000000aa';
    const out = await sync.send(new DescribeIdentityUsageCommand({ IdentityPoolId: poolId, IdentityId: identityId }));
    expect(out.IdentityUsage?.DatasetCount ?? 0).toBe(0);
    sync.destroy();
  });

  it('rejects a client with a wrong secret', async () => {
    const sync = new CognitoSyncClient({
      region: REGION,
      endpoint: server.url,
      credentials: { accessKeyId: developer.accessKeyId, secretAccessKey: 'wrong' },
    });
    expect(
      await failure(sync.send(new ListDatasetsCommand({ IdentityPoolId: poolId, IdentityId: 'us-east-1:00000000-0000-4000-8000-0000000000aa' }))),
    ).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
    });
    sync.destroy();
  });
});

describe('Cognito Sync with aws-sdk v2 (what amazon-cognito-js runs on)', () => {
  it('signs in through CognitoIdentityCredentials and syncs', async () => {
    const credentials = new AWS.CognitoIdentityCredentials(
      { IdentityPoolId: poolId },
      // The second argument configures the CognitoIdentity client it uses (its type omits endpoint).
      { region: REGION, endpoint: server.url } as AWS.ConfigurationOptions,
    );
    await credentials.getPromise();
    const sync = new AWS.CognitoSync({ region: REGION, endpoint: server.url, credentials });
    const dataset = { IdentityPoolId: poolId, IdentityId: credentials.identityId, DatasetName: 'v2' };
    const listed = await sync.listRecords({ ...dataset, LastSyncCount: 0, MaxResults: 3 }).promise();
    const updated = await sync
      .updateRecords({
        ...dataset,
        SyncSessionToken: listed.SyncSessionToken as string,
        RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 }],
      })
      .promise();
    expect(updated.Records?.map((r) => r.SyncCount)).toEqual([1]);
  });

  it('accepts the developer key pair with the v2 signer', async () => {
    const identity = new AWS.CognitoIdentity({ region: REGION, endpoint: server.url, credentials: new AWS.Credentials(developer) });
    const pool = await identity.createIdentityPool({ IdentityPoolName: 'v2 pool', AllowUnauthenticatedIdentities: true }).promise();
    expect(pool.IdentityPoolId).toMatch(/^us-east-1:/);
  });
});

interface RawRequest {
  method?: string;
  path?: string;
  query?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  service?: string;
  region?: string;
  signingDate?: Date;
  /** Add x-amz-content-sha256 (as the v3 client does). */
  applyChecksum?: boolean;
}

/** A request signed with the clients' own signer, ready to be sent (or tampered with first). */
async function sign(raw: RawRequest = {}): Promise<HttpRequest> {
  const url = new URL(server.url);
  const request = new HttpRequest({
    method: raw.method ?? 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path:
      raw.path ?? `/identitypools/${encodeURIComponent(poolId)}/identities/${encodeURIComponent('us-east-1:00000000-0000-4000-8000-0000000000aa')}/datasets`,
    query: raw.query ?? {},
    headers: { host: url.host, 'content-type': 'application/json', ...raw.headers },
    body: raw.body,
  });
  const signer = new SignatureV4({
    credentials: raw.credentials ?? developer,
    region: raw.region ?? REGION,
    service: raw.service ?? 'cognito-sync',
    sha256: Sha256,
    applyChecksum: raw.applyChecksum ?? true,
  });
  return (await signer.sign(request, { signingDate: raw.signingDate })) as HttpRequest;
}

async function send(request: HttpRequest): Promise<{ status: number; errorType?: string; body: { __type?: string; message?: string } }> {
  // Encoded as the SDKs do (RFC 3986, space as %20), not as a form (URLSearchParams would send `+`).
  const rfc3986 = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = Object.entries(request.query as Record<string, string>)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const headers = { ...request.headers };
  delete headers.host; // fetch sets it, to the same value
  const response = await fetch(`${server.url}${request.path}${query ? `?${query}` : ''}`, {
    method: request.method,
    headers,
    body: request.body as string | undefined,
  });
  const text = await response.text();
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype') ?? undefined, body: text ? JSON.parse(text) : {} };
}

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

describe('SigV4 verification', () => {
  it('accepts a correct signature (the handler then answers)', async () => {
    const res = await send(await sign({ query: { maxResults: '3' } }));
    expect(res.status).toBe(200);
  });

  it('accepts the signing names cognito-sync and execute-api, and no other', async () => {
    for (const service of ['cognito-sync', 'execute-api']) {
      const res = await send(await sign({ service, path: '/no/such/route' }));
      expect(res).toMatchObject({ status: 404, errorType: 'UnknownOperationException' });
    }
    const other = await send(await sign({ service: 'cognito-identity', path: '/no/such/route' }));
    expect(other).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    expect(other.body.message).toBe("Credential should be scoped to correct service: 'cognito-sync'.");
  });

  it('rejects a scope for another region', async () => {
    const res = await send(await sign({ region: 'eu-west-1' }));
    expect(res).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    expect(res.body.message).toBe("Credential should be scoped to a valid region, not 'eu-west-1'.");
  });

  it('rejects a request without an Authorization header', async () => {
    const request = await sign();
    delete request.headers.authorization;
    expect(await send(request)).toEqual({
      status: 403,
      errorType: 'MissingAuthenticationTokenException',
      body: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
    });
  });

  it('rejects a wrong secret', async () => {
    const res = await send(await sign({ credentials: { accessKeyId: developer.accessKeyId, secretAccessKey: 'wrong' } }));
    expect(res).toEqual({ status: 403, errorType: 'InvalidSignatureException', body: { __type: 'InvalidSignatureException', message: MISMATCH } });
  });

  it('rejects an unknown access key', async () => {
    const res = await send(await sign({ credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' } }));
    expect(res).toMatchObject({ status: 403, errorType: 'UnrecognizedClientException' });
    expect(res.body.message).toBe('The security token included in the request is invalid.');
  });

  it('rejects a body changed after signing, even with the original x-amz-content-sha256', async () => {
    const path = `/identitypools/${encodeURIComponent(poolId)}/identities/${encodeURIComponent('us-east-1:00000000-0000-4000-8000-0000000000aa')}/datasets/ds`;
    const request = await sign({ method: 'POST', path, body: '{"SyncSessionToken":"a"}' });
    expect(request.headers['x-amz-content-sha256']).toBeDefined();
    request.body = '{"SyncSessionToken":"b"}';
    const res = await send(request);
    expect(res).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    expect(res.body.message).toMatch(/x-amz-content-sha256 header does not match the SHA-256 of the request body/);

    // Without the header, the body is hashed into the signature: the signatures differ.
    const unhashed = await sign({ method: 'POST', path, body: '{"SyncSessionToken":"a"}', applyChecksum: false });
    expect(unhashed.headers['x-amz-content-sha256']).toBeUndefined();
    unhashed.body = '{"SyncSessionToken":"b"}';
    expect((await send(unhashed)).body.message).toBe(MISMATCH);
  });

  it('rejects a signature dated more than 5 minutes away', async () => {
    const past = await send(await sign({ signingDate: new Date(Date.now() - 10 * 60_000) }));
    expect(past).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
    expect(past.body.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    const future = await send(await sign({ signingDate: new Date(Date.now() + 10 * 60_000) }));
    expect(future.body.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/);
  });

  it('rejects tampered, foreign and expired session tokens', async () => {
    const minted = mintSessionCredentials(serverKey, { pool: poolId, identity: 'us-east-1:00000000-0000-4000-8000-0000000000aa' });
    const session = { accessKeyId: minted.AccessKeyId, secretAccessKey: minted.SecretKey, sessionToken: minted.SessionToken };
    expect((await send(await sign({ credentials: session }))).status).toBe(200);

    const [payload, mac] = minted.SessionToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...claims, identity: 'us-east-1:00000000-0000-4000-8000-0000000000bb' })).toString('base64url')}.${mac}`;
    const tampered = await send(await sign({ credentials: { ...session, sessionToken: forged } }));
    expect(tampered).toMatchObject({ status: 403, errorType: 'UnrecognizedClientException' });

    const otherKey = mintSessionCredentials(randomBytes(32), { pool: poolId, identity: 'us-east-1:00000000-0000-4000-8000-0000000000aa' });
    const foreign = await send(
      await sign({ credentials: { accessKeyId: otherKey.AccessKeyId, secretAccessKey: otherKey.SecretKey, sessionToken: otherKey.SessionToken } }),
    );
    expect(foreign).toMatchObject({ status: 403, errorType: 'UnrecognizedClientException' });

    const swapped = await send(await sign({ credentials: { ...session, accessKeyId: 'ASIAAAAAAAAAAAAAAAAA' } }));
    expect(swapped).toMatchObject({ status: 403, errorType: 'UnrecognizedClientException' });

    const old = mintSessionCredentials(serverKey, { pool: poolId, identity: 'us-east-1:00000000-0000-4000-8000-0000000000aa' }, Date.now() - 2 * 3600_000);
    const expired = await send(await sign({ credentials: { accessKeyId: old.AccessKeyId, secretAccessKey: old.SecretKey, sessionToken: old.SessionToken } }));
    expect(expired).toEqual({
      status: 403,
      errorType: 'ExpiredTokenException',
      body: { __type: 'ExpiredTokenException', message: 'The security token included in the request is expired' },
    });

    const withoutToken = await send(await sign({ credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey } }));
    expect(withoutToken).toMatchObject({ status: 403, errorType: 'UnrecognizedClientException' });
  });

  it('checks the signature over the decoded query and the doubly encoded path', async () => {
    const request = await sign({ query: { maxResults: '3', nextToken: 'a b/c+d=' } });
    expect((await send(request)).errorType).not.toMatch(/Signature|Token|Client/);
    const changed = await sign({ query: { maxResults: '3' } });
    changed.query = { maxResults: '4' };
    expect((await send(changed)).body.message).toBe(MISMATCH);
  });
});
