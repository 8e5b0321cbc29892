/**
 * The subset of Amazon Cognito Identity an unmodified app needs to reach the local endpoint:
 * CreateIdentityPool (for the developer's set-up scripts), then GetId and GetCredentialsForIdentity
 * (what `fromCognitoIdentityPool` and the mobile SDKs call). Served on the same port as Cognito
 * Sync, in Cognito Identity's own protocol (JSON 1.1, `X-Amz-Target`), so a client only changes its
 * endpoint. Unauthenticated identities only: there is no identity provider to check Logins against.
 */
import { randomUUID } from 'node:crypto';
import { Errors } from '../../src/errors';
import { contentTypeOf, errorResponse } from '../../src/protocol/error-response';
import { isWireError } from '../../src/protocol/errors';
import type { SyncHttpResult } from '../../src/protocol/http-event';
import { checkString, Constraint, memberPath, STRING_RULES, validationError, type StringRule, type Violation } from '../../src/protocol/validate';
import { mintSessionCredentials, type DeveloperCredentials } from '../auth/credentials';
import type { LocalIdentityStore } from './identity-store';
import { verifySigV4, type IncomingSignedRequest } from '../auth/sigv4';

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

async function route(request: IncomingSignedRequest, config: CognitoIdentityConfig): Promise<unknown> {
  const operation = (request.headers['x-amz-target'] ?? '').slice(COGNITO_IDENTITY_TARGET_PREFIX.length);
  switch (operation) {
    case 'CreateIdentityPool':
      return createIdentityPool(request, config);
    case 'GetId':
      return getId(parseInput(request), config);
    case 'GetCredentialsForIdentity':
      return getCredentialsForIdentity(parseInput(request), config);
    default:
      // 400 in JSON 1.1 (protocol/errors.ts), where rest-json's unknown route is a 404.
      throw Errors.unknownOperation(
        `The local endpoint does not support AWSCognitoIdentityService.${operation}: only CreateIdentityPool, GetId and GetCredentialsForIdentity.`,
      );
  }
}

type Input = Record<string, unknown>;

/** Strict: a lenient decoder would turn bytes that are not UTF-8 into U+FFFD and store that. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseInput(request: IncomingSignedRequest): Input {
  let text: string;
  try {
    text = UTF8.decode(request.body).trim();
  } catch {
    throw Errors.serialization('The request body is not valid UTF-8.');
  }
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw Errors.serialization('The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw Errors.serialization('The request body must be a JSON object.');
  }
  return value as Input;
}

async function createIdentityPool(request: IncomingSignedRequest, config: CognitoIdentityConfig): Promise<unknown> {
  // Signed, like every Cognito Identity operation but the few unauthenticated ones.
  const caller = await verifySigV4(request, { ...config, services: ['cognito-identity'] });
  if (caller.cognitoIdentity) {
    throw Errors.accessDenied(
      `User: ${caller.userArn} is not authorized to perform: cognito-identity:CreateIdentityPool on resource: ` +
        `arn:aws:cognito-identity:${config.region}:${config.accountId}:identitypool/*`,
    );
  }
  const input = parseInput(request);
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
  const v = new InputReader(input);
  const identityId = v.string('IdentityId', STRING_RULES.IdentityId, { required: true });
  v.done();
  rejectLogins(input);
  const identity = await config.store.getIdentity(identityId as string);
  if (!identity) throw Errors.resourceNotFound(`Identity '${identityId}' not found.`);
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

function rejectLogins(input: Input): void {
  const logins = input.Logins;
  if (logins === undefined || logins === null) return;
  if (typeof logins !== 'object' || Array.isArray(logins)) throw Errors.serialization('Logins must be a JSON object.');
  if (Object.keys(logins).length > 0) {
    throw Errors.notAuthorized('Logins are not supported by the local endpoint: use unauthenticated identities');
  }
}

/**
 * Reads the members of a JSON 1.1 input: a wrong JSON type is a SerializationException at once, as
 * Coral's parser answers it; constraint violations are collected and reported together in the Coral
 * message that Cognito Sync's validation writes (protocol/validate.ts).
 */
class InputReader {
  private readonly violations: Violation[] = [];

  constructor(private readonly input: Input) {}

  string(member: string, rule: StringRule, { required = false } = {}): string | undefined {
    const value = this.present(member, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw Errors.serialization(`${member} must be a string.`);
    checkString(value, rule, memberPath(member), this.violations);
    return value;
  }

  boolean(member: string, { required = false } = {}): boolean | undefined {
    const value = this.present(member, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw Errors.serialization(`${member} must be a boolean.`);
    return value;
  }

  done(): void {
    if (this.violations.length > 0) throw validationError(this.violations);
  }

  /** The member's value, `undefined` when absent or null (a violation when it is required). */
  private present(member: string, required: boolean): unknown {
    const value = this.input[member];
    if (value !== undefined && value !== null) return value;
    if (required) this.violations.push({ path: memberPath(member), value: null, constraint: Constraint.notNull });
    return undefined;
  }
}
