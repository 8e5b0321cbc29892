/**
 * Drop-in mode's parts without any store: the shared verifier taking a derived signing key instead
 * of a secret, the days a key is kept for, the relay's pool lookup when no GetId preceded, and the
 * per-instance cache that keeps the warm path free of store reads.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { deriveSigningKey } from '../../lambdas/src/auth/signing-key';
import { verifySignedRequest } from '../../lambdas/src/auth/sigv4-verifier';
import { DropInAuthenticator, UNKNOWN_KEY_TTL_MS } from '../../lambdas/src/drop-in/drop-in-authenticator';
import { type DropInKey, dropInKeyOf, signingDays } from '../../lambdas/src/drop-in/drop-in-key';
import type { CognitoIdentityUpstream, DropInKeyReader, DropInKeyWriter } from '../../lambdas/src/drop-in/ports';
import { relayCognitoIdentity } from '../../lambdas/src/drop-in/relay';
import { httpOutcome } from '../../lambdas/src/protocol/observability';
import type { SyncHttpEvent } from '../../lambdas/src/protocol/http-event';

const REGION = 'us-east-1';
const POOL = 'us-east-1:11111111-2222-3333-4444-555555555555';
const IDENTITY = 'us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const NOW = Date.UTC(2026, 10, 29, 23, 58, 0);
const CREDENTIALS = { accessKeyId: 'ASIAUNITDROPIN000001', secretAccessKey: 'unit-secret-key', sessionToken: 'unit-session-token' };
const PATH = `/identitypools/${encodeURIComponent(POOL)}/identities/${encodeURIComponent(IDENTITY)}/datasets/d/records`;

/** A request signed by the clients' own signer, as the payload 2.0 event API Gateway would pass on without an authorizer. */
async function signedEvent(signingDate = new Date(NOW), service = 'cognito-sync'): Promise<SyncHttpEvent> {
  const signer = new SignatureV4({ credentials: CREDENTIALS, region: REGION, service, sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({ method: 'GET', protocol: 'https:', hostname: 'drop-in.example.test', path: PATH, headers: { host: 'drop-in.example.test' } }),
    {
      signingDate,
    },
  );
  return {
    version: '2.0',
    rawPath: PATH,
    rawQueryString: '',
    headers: signed.headers,
    isBase64Encoded: false,
    requestContext: { accountId: '123456789012', requestId: 'r', http: { method: 'GET', path: PATH } },
  } as unknown as SyncHttpEvent;
}

const storedKey = (expiresAtMs = NOW + 3_600_000): DropInKey =>
  dropInKeyOf({ ...CREDENTIALS, secretKey: CREDENTIALS.secretAccessKey, expiresAtMs }, { identityId: IDENTITY, identityPoolId: POOL }, REGION, NOW);

/** A reader that counts its reads. */
function countingReader(key: DropInKey | undefined): DropInKeyReader & { reads: number } {
  const reader = {
    reads: 0,
    async get(accessKeyId: string) {
      reader.reads++;
      return accessKeyId === key?.accessKeyId ? key : undefined;
    },
  };
  return reader;
}

describe('the shared SigV4 verifier', () => {
  it('verifies with the derived signing key alone (what the relay stores), and refuses another day’s key', async () => {
    const event = await signedEvent();
    const request = { method: 'GET', rawPath: PATH, rawQueryString: '', headers: event.headers as Record<string, string>, body: Buffer.alloc(0) };
    const rules = { region: REGION, services: ['cognito-sync'], now: () => NOW };
    const caller = await verifySignedRequest(request, rules, async (scope) => ({
      signingKey: deriveSigningKey('unit-secret-key', scope.date, scope.region, scope.service),
      caller: 'me',
    }));
    expect(caller).toBe('me');
    await expect(
      verifySignedRequest(request, rules, async (scope) => ({
        signingKey: deriveSigningKey('unit-secret-key', '20260101', scope.region, scope.service),
        caller: 'me',
      })),
    ).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });
});

describe('drop-in keys', () => {
  it('cover each UTC day the credentials are valid on, five minutes of skew included, and hold no secret', () => {
    expect(signingDays(NOW, NOW + 3_600_000)).toEqual(['20261129', '20261130']);
    expect(signingDays(Date.UTC(2026, 10, 29, 12), Date.UTC(2026, 10, 29, 13))).toEqual(['20261129']);
    const key = storedKey();
    expect(Object.keys(key.signingKeys)).toEqual(['20261129', '20261130']);
    expect(JSON.stringify(key)).not.toContain(CREDENTIALS.secretAccessKey);
    expect(JSON.stringify(key)).not.toContain(CREDENTIALS.sessionToken);
  });
});

describe('the drop-in authenticator', () => {
  it('builds the identity principal of the stored key, and a warm instance reads the store once per key', async () => {
    const reader = countingReader(storedKey());
    const authenticator = new DropInAuthenticator(reader, { region: REGION, now: () => NOW });
    for (let i = 0; i < 3; i++) {
      await expect(authenticator.principalOf(await signedEvent())).resolves.toEqual({
        kind: 'identity',
        accountId: '123456789012',
        identityPoolId: POOL,
        identityId: IDENTITY,
      });
    }
    expect(reader.reads).toBe(1);
    expect(authenticator.stats).toEqual({ hits: 2, misses: 1 });
  });

  it('refuses an access key id of the wrong shape without reading the store', async () => {
    const reader = countingReader(storedKey());
    const authenticator = new DropInAuthenticator(reader, { region: REGION, now: () => NOW });
    const event = await signedEvent();
    const forged = (event.headers as Record<string, string>).authorization.replace(CREDENTIALS.accessKeyId, 'x'.repeat(3000));
    const refused = authenticator.principalOf({ ...event, headers: { ...event.headers, authorization: forged } });
    await expect(refused).rejects.toMatchObject({ name: 'UnrecognizedClientException', statusCode: 403 });
    expect(reader.reads).toBe(0);
  });

  it('remembers an access key the store does not hold for a minute: one read, then UnrecognizedClientException without one', async () => {
    let now = NOW;
    const reader = countingReader(undefined);
    const authenticator = new DropInAuthenticator(reader, { region: REGION, now: () => now });
    for (let i = 0; i < 3; i++) {
      await expect(authenticator.principalOf(await signedEvent())).rejects.toMatchObject({ name: 'UnrecognizedClientException', statusCode: 403 });
    }
    expect(reader.reads).toBe(1);
    now = NOW + UNKNOWN_KEY_TTL_MS;
    await expect(authenticator.principalOf(await signedEvent(new Date(now)))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    expect(reader.reads).toBe(2);
  });

  it('holds at most cacheSize unknown access keys, the oldest going first', async () => {
    const reader = countingReader(undefined);
    const authenticator = new DropInAuthenticator(reader, { region: REGION, now: () => NOW, cacheSize: 1 });
    const event = await signedEvent();
    const withKey = (accessKeyId: string) => {
      const authorization = (event.headers as Record<string, string>).authorization.replace(CREDENTIALS.accessKeyId, accessKeyId);
      return { ...event, headers: { ...event.headers, authorization } };
    };
    for (const accessKeyId of ['ASIAUNKNOWNKEY000001', 'ASIAUNKNOWNKEY000002', 'ASIAUNKNOWNKEY000001']) {
      await expect(authenticator.principalOf(withKey(accessKeyId))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    }
    expect(reader.reads).toBe(3);
  });

  it('drops a cached key at its expiry: ExpiredTokenException, as the store would answer', async () => {
    let now = NOW;
    const reader = countingReader(storedKey(NOW + 60_000));
    const authenticator = new DropInAuthenticator(reader, { region: REGION, now: () => now });
    await authenticator.principalOf(await signedEvent());
    now = NOW + 60_000;
    await expect(authenticator.principalOf(await signedEvent(new Date(now)))).rejects.toMatchObject({ name: 'ExpiredTokenException', statusCode: 403 });
  });
});

function relayEvent(target: string, body: object): SyncHttpEvent {
  return {
    rawPath: '/',
    headers: { 'x-amz-target': `AWSCognitoIdentityService.${target}`, 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: 'relay', http: { method: 'POST' } },
  } as unknown as SyncHttpEvent;
}

function memoryWriter(): DropInKeyWriter & { keys: DropInKey[]; pools: Map<string, string> } {
  const keys: DropInKey[] = [];
  const pools = new Map<string, string>();
  return {
    keys,
    pools,
    async put(key) {
      keys.push(key);
    },
    async rememberPool(identityId, poolId) {
      pools.set(identityId, poolId);
    },
    async poolOf(identityId) {
      return pools.get(identityId);
    },
  };
}

const json = (statusCode: number, body: object) => ({
  statusCode,
  contentType: 'application/x-amz-json-1.1',
  requestId: 'up',
  errorType: undefined,
  body: Buffer.from(JSON.stringify(body)),
});

const credentialsAnswer = json(200, {
  IdentityId: IDENTITY,
  Credentials: {
    AccessKeyId: CREDENTIALS.accessKeyId,
    SecretKey: CREDENTIALS.secretAccessKey,
    SessionToken: CREDENTIALS.sessionToken,
    Expiration: (NOW + 3_600_000) / 1000,
  },
});

describe('the relay', () => {
  it('with no GetId seen for the identity (an app that kept its id), finds the pool in the aud of GetOpenIdToken, with the same Logins', async () => {
    const calls: { target: string; body: unknown }[] = [];
    const token = `e30.${Buffer.from(JSON.stringify({ aud: POOL, sub: IDENTITY })).toString('base64url')}.sig`;
    const upstream: CognitoIdentityUpstream = async (target, body) => {
      calls.push({ target, body: JSON.parse(body.toString()) });
      return target.endsWith('GetOpenIdToken') ? json(200, { IdentityId: IDENTITY, Token: token }) : credentialsAnswer;
    };
    const keys = memoryWriter();
    const logins = { 'accounts.google.com': 'google-token' };
    const answer = await relayCognitoIdentity(relayEvent('GetCredentialsForIdentity', { IdentityId: IDENTITY, Logins: logins }), {
      upstream,
      keys,
      region: REGION,
      now: () => NOW,
    });
    expect(answer.statusCode).toBe(200);
    expect(Buffer.from(answer.body, 'base64')).toEqual(credentialsAnswer.body);
    expect(calls[1]).toEqual({ target: 'AWSCognitoIdentityService.GetOpenIdToken', body: { IdentityId: IDENTITY, Logins: logins } });
    expect(keys.keys.map((k) => [k.accessKeyId, k.identityId, k.identityPoolId])).toEqual([[CREDENTIALS.accessKeyId, IDENTITY, POOL]]);
    expect(keys.pools.get(IDENTITY)).toBe(POOL);
  });

  it('keeps the pool a GetId answer named, and then asks nothing more', async () => {
    const targets: string[] = [];
    const upstream: CognitoIdentityUpstream = async (target) => {
      targets.push(target);
      return target.endsWith('GetId') ? json(200, { IdentityId: IDENTITY }) : credentialsAnswer;
    };
    const keys = memoryWriter();
    await relayCognitoIdentity(relayEvent('GetId', { IdentityPoolId: POOL }), { upstream, keys, region: REGION, now: () => NOW });
    await relayCognitoIdentity(relayEvent('GetCredentialsForIdentity', { IdentityId: IDENTITY }), { upstream, keys, region: REGION, now: () => NOW });
    expect(targets.map((t) => t.split('.')[1])).toEqual(['GetId', 'GetCredentialsForIdentity']);
    expect(keys.keys[0]?.identityPoolId).toBe(POOL);
  });

  it('answers 500 InternalErrorException rather than credentials it could not store', async () => {
    const upstream: CognitoIdentityUpstream = async () => credentialsAnswer;
    const keys = { ...memoryWriter(), poolOf: async () => POOL, put: async () => Promise.reject(new Error('table down')) };
    const answer = await relayCognitoIdentity(relayEvent('GetCredentialsForIdentity', { IdentityId: IDENTITY }), {
      upstream,
      keys,
      region: REGION,
      now: () => NOW,
    });
    expect([answer.statusCode, answer.headers['x-amzn-ErrorType']]).toEqual([500, 'InternalErrorException']);
    expect(answer.body).not.toContain(CREDENTIALS.secretAccessKey);
  });
});

describe('the log line of a drop-in request', () => {
  it('names the caller drop-in and the access key it claims (never the signature or the token)', async () => {
    const event = await signedEvent();
    const outcome = httpOutcome({ event, response: { statusCode: 403, headers: { 'x-amzn-ErrorType': 'InvalidSignatureException' }, body: '' } } as never);
    expect(outcome.fields).toMatchObject({ caller: 'drop-in', accessKeyId: CREDENTIALS.accessKeyId });
    expect(JSON.stringify(outcome)).not.toContain(CREDENTIALS.sessionToken);
  });
});
