/**
 * The subset of Amazon Cognito Identity an unmodified app needs to reach the local endpoint:
 * CreateIdentityPool (for the developer's set-up scripts), then GetId and GetCredentialsForIdentity
 * (what `fromCognitoIdentityPool` and the mobile SDKs call), and the pool administration that
 * migration tools and users' scripts call (pool-administration.ts). Served on the same port as Cognito
 * Sync, in Cognito Identity's own protocol (JSON 1.1, `X-Amz-Target`), so a client only changes its
 * endpoint. Unauthenticated identities only: there is no identity provider to check Logins against.
 */
import { randomUUID } from 'node:crypto';
import { Errors } from '../../src/errors';
import { contentTypeOf, errorResponse } from '../../src/protocol/error-response';
import { isWireError } from '../../src/protocol/errors';
import type { SyncHttpResult } from '../../src/protocol/http-event';
import { STRING_RULES, type StringRule } from '../../src/protocol/validate';
import { mintSessionCredentials, type DeveloperCredentials } from '../auth/credentials';
import type { LocalIdentityStore } from './identity-store';
import { verifySigV4, type IncomingSignedRequest } from '../auth/sigv4';
import { type Input, InputReader, parseInput } from './input-reader';
import { mintOpenIdToken } from './open-id-token';
import { deleteIdentityPool, describeIdentityPool, listIdentities, listIdentityPools } from './pool-administration';

export const COGNITO_IDENTITY_TARGET_PREFIX = 'AWSCognitoIdentityService.';

export interface CognitoIdentityConfig {
  readonly region: string;
  readonly accountId: string;
  readonly serverKey: Buffer;
  readonly developer: DeveloperCredentials;
  readonly store: LocalIdentityStore;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
}

/**
 * True when the request is addressed to Cognito Identity rather than Cognito Sync: a JSON 1.1 call,
 * which is always `POST /` with the operation in `X-Amz-Target`. The header alone does not decide,
 * or a Cognito Sync path with a stray header would be answered by the wrong service; anything else
 * goes to the Cognito Sync router, which answers what it answers any request.
 */
export const isCognitoIdentityRequest = (request: Pick<IncomingSignedRequest, 'method' | 'rawPath' | 'headers'>): boolean =>
  request.method.toUpperCase() === 'POST' && request.rawPath === '/' && (request.headers['x-amz-target'] ?? '').startsWith(COGNITO_IDENTITY_TARGET_PREFIX);

/** Answers one Cognito Identity request. Never throws. */
export async function handleCognitoIdentity(request: IncomingSignedRequest, config: CognitoIdentityConfig, requestId: string): Promise<SyncHttpResult> {
  try {
    const output = await route(request, config);
    return {
      statusCode: 200,
      headers: { 'content-type': contentTypeOf('json-1.1'), 'x-amzn-RequestId': requestId },
      body: JSON.stringify(output),
    };
  } catch (e) {
    if (isWireError(e)) return errorResponse(e, requestId, 'json-1.1');
    console.error('Cognito Identity (local) failed:', e);
    return errorResponse(Errors.internal('An internal error occurred.'), requestId, 'json-1.1');
  }
}

/** The operations a developer's signed request may call; each answers from its validated input. */
const DEVELOPER_OPERATIONS: Readonly<Record<string, (input: Input, config: CognitoIdentityConfig) => Promise<unknown>>> = {
  CreateIdentityPool: (input, config) => createIdentityPool(input, config),
  ListIdentityPools: listIdentityPools,
  DescribeIdentityPool: describeIdentityPool,
  ListIdentities: listIdentities,
  DeleteIdentityPool: deleteIdentityPool,
};

async function route(request: IncomingSignedRequest, config: CognitoIdentityConfig): Promise<unknown> {
  const operation = (request.headers['x-amz-target'] ?? '').slice(COGNITO_IDENTITY_TARGET_PREFIX.length);
  const developerOperation = Object.hasOwn(DEVELOPER_OPERATIONS, operation) ? DEVELOPER_OPERATIONS[operation] : undefined;
  if (developerOperation) {
    await requireDeveloper(request, config, operation);
    return developerOperation(parseInput(request), config);
  }
  switch (operation) {
    case 'GetId':
      return getId(parseInput(request), config);
    case 'GetCredentialsForIdentity':
      return getCredentialsForIdentity(parseInput(request), config);
    case 'GetOpenIdToken':
      return getOpenIdToken(parseInput(request), config);
    default:
      // 400 in JSON 1.1 (protocol/errors.ts), where rest-json's unknown route is a 404.
      throw Errors.unknownOperation(
        `The local endpoint does not support AWSCognitoIdentityService.${operation}: only ${[...Object.keys(DEVELOPER_OPERATIONS), 'GetId', 'GetCredentialsForIdentity', 'GetOpenIdToken'].join(', ')}.`,
      );
  }
}

/**
 * Signed, like every Cognito Identity operation but the few unauthenticated ones (GetId,
 * GetCredentialsForIdentity), and by the developer: an identity's role may not administer pools.
 */
async function requireDeveloper(request: IncomingSignedRequest, config: CognitoIdentityConfig, operation: string): Promise<void> {
  const caller = await verifySigV4(request, { ...config, services: ['cognito-identity'] });
  if (caller.cognitoIdentity) {
    throw Errors.accessDenied(
      `User: ${caller.userArn} is not authorized to perform: cognito-identity:${operation} on resource: ` +
        `arn:aws:cognito-identity:${config.region}:${config.accountId}:identitypool/*`,
    );
  }
}

async function createIdentityPool(input: Input, config: CognitoIdentityConfig): Promise<unknown> {
  const v = new InputReader(input);
  const name = v.string('IdentityPoolName', IDENTITY_POOL_NAME, { required: true });
  const allowUnauthenticated = v.boolean('AllowUnauthenticatedIdentities', { required: true });
  v.done();
  const pool = {
    identityPoolId: `${config.region}:${randomUUID()}`,
    identityPoolName: name as string,
    allowUnauthenticatedIdentities: allowUnauthenticated as boolean,
  };
  await config.store.putPool(pool);
  return {
    IdentityPoolId: pool.identityPoolId,
    IdentityPoolName: pool.identityPoolName,
    AllowUnauthenticatedIdentities: pool.allowUnauthenticatedIdentities,
  };
}

// Cognito Identity's own shapes; its ids have the same constraints as Cognito Sync's.
const IDENTITY_POOL_NAME: StringRule = { min: 1, max: 128, pattern: String.raw`[\w ]+` };
const ACCOUNT_ID: StringRule = { min: 1, max: 15, pattern: String.raw`\d+` };

async function getId(input: Input, config: CognitoIdentityConfig): Promise<unknown> {
  const v = new InputReader(input);
  const poolId = v.string('IdentityPoolId', STRING_RULES.IdentityPoolId, { required: true });
  v.string('AccountId', ACCOUNT_ID);
  v.done();
  rejectLogins(input);
  const pool = await config.store.getPool(poolId as string);
  if (!pool) throw Errors.resourceNotFound(`IdentityPool '${poolId}' not found.`);
  if (!pool.allowUnauthenticatedIdentities) {
    throw Errors.notAuthorized('Unauthenticated access is not supported for this identity pool.');
  }
  const identity = { identityId: `${config.region}:${randomUUID()}`, identityPoolId: pool.identityPoolId };
  await config.store.putIdentity(identity);
  return { IdentityId: identity.identityId };
}

async function getCredentialsForIdentity(input: Input, config: CognitoIdentityConfig): Promise<unknown> {
  const identity = await unauthenticatedIdentity(input, config);
  const credentials = mintSessionCredentials(config.serverKey, { pool: identity.identityPoolId, identity: identity.identityId }, config.now?.() ?? Date.now());
  return {
    IdentityId: identity.identityId,
    Credentials: {
      AccessKeyId: credentials.AccessKeyId,
      SecretKey: credentials.SecretKey,
      SessionToken: credentials.SessionToken,
      // JSON 1.1 timestamps are epoch seconds.
      Expiration: credentials.Expiration.getTime() / 1000,
    },
  };
}

/** Unsigned, like GetCredentialsForIdentity: the token an identity's own app asks for (the classic flow's first step). */
async function getOpenIdToken(input: Input, config: CognitoIdentityConfig): Promise<unknown> {
  const identity = await unauthenticatedIdentity(input, config);
  return { IdentityId: identity.identityId, Token: mintOpenIdToken(config.serverKey, identity, config.now?.() ?? Date.now()) };
}

/**
 * The identity an unauthenticated GetCredentialsForIdentity or GetOpenIdToken names: its input
 * checked (no Logins), and the identity found, else ResourceNotFoundException.
 */
async function unauthenticatedIdentity(input: Input, config: CognitoIdentityConfig) {
  const v = new InputReader(input);
  const identityId = v.string('IdentityId', STRING_RULES.IdentityId, { required: true });
  v.done();
  rejectLogins(input);
  const identity = await config.store.getIdentity(identityId as string);
  if (!identity) throw Errors.resourceNotFound(`Identity '${identityId}' not found.`);
  return identity;
}

function rejectLogins(input: Input): void {
  const logins = input.Logins;
  if (logins === undefined || logins === null) return;
  if (typeof logins !== 'object' || Array.isArray(logins)) throw Errors.serialization('Logins must be a JSON object.');
  if (Object.keys(logins).length > 0) {
    throw Errors.notAuthorized('Logins are not supported by the local endpoint: use unauthenticated identities');
  }
}
