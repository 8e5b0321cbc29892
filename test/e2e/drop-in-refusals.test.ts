/**
 * Drop-in mode's refusals, each with the name AWS answers (signing errors are 403s, as on the local
 * endpoint: lambdas/src/auth/signing-errors.ts), and nothing changed by a refused write. Credentials
 * come through the relay, as an app's would; requests are signed by the clients' own signer.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { KMSClient } from '@aws-sdk/client-kms';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropInKeyOf } from '../../lambdas/src/drop-in/drop-in-key';
import { DynamoDBDropInKeyStore } from '../../lambdas/src/drop-in/dynamodb-key-store';
import { KmsKeyCipher } from '../../lambdas/src/drop-in/kms-key-cipher';
import { rfc3986, startDropInWorld, syncPath, type DropInWorld } from '../helpers/drop-in';
import type { AwsCredentials } from '../helpers/local-endpoint';

let world: DropInWorld;
let identityClient: CognitoIdentityClient;

beforeAll(async () => {
  world = await startDropInWorld({ mode: 'in-process' });
  identityClient = new CognitoIdentityClient({ region: world.region, endpoint: world.url, maxAttempts: 1 });
});

afterAll(async () => {
  identityClient?.destroy();
  await world?.close();
});

interface RelayedIdentity {
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly credentials: Required<Omit<AwsCredentials, 'expiration'>>;
}

/** GetId + GetCredentialsForIdentity through the relay, unsigned, as an app does. */
async function relayedIdentity(): Promise<RelayedIdentity> {
  const identityPoolId = await world.upstream.identityPoolId();
  const { IdentityId } = await identityClient.send(new GetIdCommand({ IdentityPoolId: identityPoolId }));
  const { Credentials: c } = await identityClient.send(new GetCredentialsForIdentityCommand({ IdentityId }));
  if (!IdentityId || !c?.AccessKeyId || !c.SecretKey || !c.SessionToken) throw new Error('incomplete relayed answer');
  return { identityPoolId, identityId: IdentityId, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken } };
}

interface Sent {
  readonly status: number;
  readonly errorType: string | null;
  readonly json: Record<string, unknown>;
}

/** One request to the drop-in API, signed (or not) as told. */
async function send(
  method: string,
  path: string,
  options: { credentials?: AwsCredentials; service?: string; body?: string; headers?: Record<string, string>; signingDate?: Date } = {},
): Promise<Sent> {
  const url = new URL(world.url);
  let headers: Record<string, string> = { host: url.host, 'content-type': 'application/json', ...options.headers };
  if (options.credentials) {
    const signer = new SignatureV4({ credentials: options.credentials, region: world.region, service: options.service ?? 'cognito-sync', sha256: Sha256 });
    const signed = await signer.sign(
      new HttpRequest({ method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, headers, body: options.body }),
      { signingDate: options.signingDate },
    );
    headers = { ...signed.headers, ...options.headers };
  }
  const { host: _host, ...sent } = headers;
  const response = await fetch(`${world.url}${path}`, { method, headers: sent, body: options.body });
  const text = await response.text();
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const recordsPath = (who: Pick<RelayedIdentity, 'identityPoolId' | 'identityId'>, dataset = 'refusals') =>
  syncPath(who.identityPoolId, who.identityId, dataset, '/records');

async function recordsOf(who: RelayedIdentity): Promise<unknown> {
  const listed = await send('GET', recordsPath(who), { credentials: who.credentials });
  expect(listed.status).toBe(200);
  return listed.json.Records;
}

describe('drop-in refusals', () => {
  it('a signature made with another secret key: 403 InvalidSignatureException, and the write changes nothing', async () => {
    const me = await relayedIdentity();
    const forged = { ...me.credentials, secretAccessKey: `${me.credentials.secretAccessKey.slice(0, -1)}X` };
    const before = await recordsOf(me);
    const refused = await send('POST', syncPath(me.identityPoolId, me.identityId, 'refusals'), {
      credentials: forged,
      body: JSON.stringify({ SyncSessionToken: 'x', RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 }] }),
    });
    expect([refused.status, refused.errorType, refused.json.__type]).toEqual([403, 'InvalidSignatureException', 'InvalidSignatureException']);
    expect(refused.json.message).toMatch(/signature we calculated does not match/);
    expect(await recordsOf(me)).toEqual(before);
  });

  it("another identity's path: 403 NotAuthorizedException, as on the IAM path", async () => {
    const [me, other] = await Promise.all([relayedIdentity(), relayedIdentity()]);
    const refused = await send('GET', recordsPath(other), { credentials: me.credentials });
    expect([refused.status, refused.errorType]).toEqual([403, 'NotAuthorizedException']);
    expect(refused.json.message).toBe(`Access to Identity '${other.identityId}' is forbidden.`);
  });

  it('an expired entry: 403 ExpiredTokenException', async () => {
    const me = await relayedIdentity();
    // Credentials that expired a minute ago, stored as the relay stores them (same table, same KMS key).
    const expired = { accessKeyId: 'ASIAEXPIREDDROPIN001', secretKey: 'expired-secret', sessionToken: 'expired-token', expiresAtMs: Date.now() - 60_000 };
    const kms = new KMSClient({ region: world.region, endpoint: world.env.SYNC_AWS_ENDPOINT, credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' } });
    const store = new DynamoDBDropInKeyStore(world.keyTable.client, world.keyTable.keyTableName, new KmsKeyCipher(kms, world.kmsKeyId));
    await store.put(dropInKeyOf(expired, me, world.region, Date.now() - 3_600_000));
    kms.destroy();
    const refused = await send('GET', recordsPath(me), {
      credentials: { accessKeyId: expired.accessKeyId, secretAccessKey: expired.secretKey, sessionToken: expired.sessionToken },
    });
    expect([refused.status, refused.errorType]).toEqual([403, 'ExpiredTokenException']);
  });

  it('a session token that is not the one issued with the key: 403 UnrecognizedClientException', async () => {
    const me = await relayedIdentity();
    const other = await relayedIdentity();
    // Signed with my key, but carrying (and signing) another session's token.
    const refused = await send('GET', recordsPath(me), { credentials: { ...me.credentials, sessionToken: other.credentials.sessionToken } });
    expect([refused.status, refused.errorType]).toEqual([403, 'UnrecognizedClientException']);
    expect(refused.json.message).toBe('The security token included in the request is invalid.');
  });

  it('signed for another service (execute-api): 403 InvalidSignatureException naming cognito-sync', async () => {
    const me = await relayedIdentity();
    const refused = await send('GET', recordsPath(me), { credentials: me.credentials, service: 'execute-api' });
    expect([refused.status, refused.errorType]).toEqual([403, 'InvalidSignatureException']);
    expect(refused.json.message).toBe("Credential should be scoped to correct service: 'cognito-sync'.");
  });

  it('an access key the relay never saw: 403 UnrecognizedClientException; no signature at all: 403 MissingAuthenticationTokenException', async () => {
    const me = await relayedIdentity();
    const unknown = await send('GET', recordsPath(me), { credentials: { ...me.credentials, accessKeyId: 'ASIAUNKNOWNDROPIN001' } });
    expect([unknown.status, unknown.errorType]).toEqual([403, 'UnrecognizedClientException']);
    const unsigned = await send('GET', recordsPath(me));
    expect([unsigned.status, unsigned.errorType]).toEqual([403, 'MissingAuthenticationTokenException']);
  });

  it('a developer operation never verifies a drop-in signature: 403 NotAuthorizedException (the stack gives it no drop-in route either)', async () => {
    const me = await relayedIdentity();
    const refused = await send('GET', `/identitypools/${rfc3986(me.identityPoolId)}/configuration`, { credentials: me.credentials });
    expect([refused.status, refused.errorType]).toEqual([403, 'NotAuthorizedException']);
  });

  it('the relay forwards upstream errors as they came, and refuses the targets it does not relay with 400 UnknownOperationException', async () => {
    const missing = await fetch(world.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.GetId' },
      body: JSON.stringify({ IdentityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' }),
    });
    const direct = await fetch(`${world.upstream.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.GetId' },
      body: JSON.stringify({ IdentityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' }),
    });
    expect([missing.status, missing.headers.get('content-type'), await missing.text()]).toEqual([
      direct.status,
      direct.headers.get('content-type'),
      await direct.text(),
    ]);
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');

    const administration = await fetch(world.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.ListIdentityPools' },
      body: JSON.stringify({ MaxResults: 10 }),
    });
    expect([administration.status, administration.headers.get('x-amzn-errortype')]).toEqual([400, 'UnknownOperationException']);
  });
});
