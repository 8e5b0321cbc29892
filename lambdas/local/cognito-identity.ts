/**
 * The subset of Amazon Cognito Identity an unmodified app needs to reach the local endpoint:
 * CreateIdentityPool (for the developer's set-up scripts), then GetId and GetCredentialsForIdentity
 * (what `fromCognitoIdentityPool` and the mobile SDKs call). Served on the same port as Cognito
 * Sync, in Cognito Identity's own protocol (JSON 1.1, `X-Amz-Target`), so a client only changes its
 * endpoint. Unauthenticated identities only: there is no identity provider to check Logins against.
 */
import { randomUUID } from 'node:crypto';
import { Errors, ServiceError, isServiceError } from '../src/protocol/errors';
import type { SyncHttpResult } from '../src/protocol/http-event';
import { mintSessionCredentials, type DeveloperCredentials } from './credentials';
import type { LocalIdentityStore } from './identity-store';
import { AWS_JSON_1_1, errorResponse, jsonResponse } from './responses';
import { verifySigV4, type IncomingSignedRequest } from './sigv4';

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
  request.method.toUpperCase() === 'POST' &&
  request.rawPath === '/' &&
  (request.headers['x-amz-target'] ?? '').startsWith(COGNITO_IDENTITY_TARGET_PREFIX);

/** Answers one Cognito Identity request. Never throws. */
export async function handleCognitoIdentity(
  request: IncomingSignedRequest,
  config: CognitoIdentityConfig,
  requestId: string,
): Promise<SyncHttpResult> {
  try {
    const output = await route(request, config);
    return jsonResponse(200, output, requestId, AWS_JSON_1_1);
  } catch (e) {
    const error = isServiceError(e) ? e : Errors.internal('An internal error occurred.');
    if (!isServiceError(e)) console.error('Cognito Identity (local) failed:', e);
    return errorResponse(error, requestId, AWS_JSON_1_1);
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
      throw new ServiceError(
        'UnknownOperationException',
        400,
        `The local endpoint does not support AWSCognitoIdentityService.${operation}: ` +
          'only CreateIdentityPool, GetId and GetCredentialsForIdentity.',
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
  const v = new Validator();
  const name = v.string(input, 'IdentityPoolName', { required: true, min: 1, max: 128, pattern: /^[\w ]+$/, patternText: '[\\w ]+' });
  const allowUnauthenticated = v.boolean(input, 'AllowUnauthenticatedIdentities', { required: true });
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

const ID_PATTERN = { min: 1, max: 55, pattern: /^[\w-]+:[0-9a-f-]+$/, patternText: '[\\w-]+:[0-9a-f-]+' };

async function getId(input: Input, config: CognitoIdentityConfig): Promise<unknown> {
  const v = new Validator();
  const poolId = v.string(input, 'IdentityPoolId', { required: true, ...ID_PATTERN });
  v.string(input, 'AccountId', { min: 1, max: 15, pattern: /^\d+$/, patternText: '\\d+' });
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
  const v = new Validator();
  const identityId = v.string(input, 'IdentityId', { required: true, ...ID_PATTERN });
  v.done();
  rejectLogins(input);
  const identity = await config.store.getIdentity(identityId as string);
  if (!identity) throw Errors.resourceNotFound(`Identity '${identityId}' not found.`);
  const credentials = mintSessionCredentials(
    config.serverKey,
    { pool: identity.identityPoolId, identity: identity.identityId },
    config.now?.() ?? Date.now(),
  );
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

interface StringRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  readonly patternText?: string;
}

/** Collects constraint violations and reports them together, worded like AWS (Coral) does. */
class Validator {
  private readonly errors: string[] = [];

  string(input: Input, member: string, rule: StringRule): string | undefined {
    const value = input[member];
    if (value === undefined || value === null) {
      if (rule.required) this.fail('null', member, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'string') throw Errors.serialization(`${member} must be a string.`);
    const shown = `'${value}'`;
    if (rule.min !== undefined && value.length < rule.min) {
      this.fail(shown, member, `Member must have length greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && value.length > rule.max) {
      this.fail(shown, member, `Member must have length less than or equal to ${rule.max}`);
    }
    if (rule.pattern && value.length > 0 && !rule.pattern.test(value)) {
      this.fail(shown, member, `Member must satisfy regular expression pattern: ${rule.patternText}`);
    }
    return value;
  }

  boolean(input: Input, member: string, rule: { readonly required?: boolean }): boolean | undefined {
    const value = input[member];
    if (value === undefined || value === null) {
      if (rule.required) this.fail('null', member, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'boolean') throw Errors.serialization(`${member} must be a boolean.`);
    return value;
  }

  done(): void {
    const n = this.errors.length;
    if (n === 0) return;
    throw Errors.invalidParameter(`${n} validation error${n > 1 ? 's' : ''} detected: ${this.errors.join('; ')}`);
  }

  private fail(shown: string, member: string, constraint: string): void {
    // Coral names members in lower camel case in these messages.
    const field = member[0].toLowerCase() + member.slice(1);
    this.errors.push(`Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`);
  }
}
