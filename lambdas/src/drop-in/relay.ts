/**
 * The Cognito Identity relay of drop-in mode: `POST /` with `X-Amz-Target:
 * AWSCognitoIdentityService.<operation>`, unsigned as these calls are on AWS. It forwards GetId,
 * GetCredentialsForIdentity and GetOpenIdToken to the real Cognito Identity and answers what it
 * answered, byte for byte (status, content type, body), so logins, providers and identity ids stay
 * AWS's. It never changes an answer; it only learns from the successful ones:
 *
 * - GetId: which pool the identity belongs to (the request's `IdentityPoolId`, the answer's
 *   `IdentityId`), kept as `I#<identity>`;
 * - GetCredentialsForIdentity: the drop-in key of the credentials (drop-in-key.ts), stored before the
 *   answer leaves, so the app's first sync finds it.
 *
 * GetCredentialsForIdentity names no pool. Apps keep their identity id and skip GetId after the first
 * launch, so a relay that only paired each GetCredentialsForIdentity with a preceding GetId would miss
 * every app installed before the switch. When the pool book has no entry, the relay asks Cognito
 * Identity itself: GetOpenIdToken with the same IdentityId and Logins (unsigned, like the call it
 * serves) returns a token whose `aud` is the identity's pool; the answer comes straight from AWS
 * over TLS, so its claim is trusted as the pool. DescribeIdentity would need IAM credentials and
 * does not name the pool either.
 */
import { Errors } from '../errors';
import { errorResponse } from '../protocol/error-response';
import { isWireError } from '../protocol/errors';
import type { SyncHttpEvent, SyncHttpResult } from '../protocol/http-event';
import { dropInKeyOf, type IssuedCredentials } from './drop-in-key';
import type { CognitoIdentityUpstream, DropInKeyWriter } from './ports';

export const COGNITO_IDENTITY_TARGET_PREFIX = 'AWSCognitoIdentityService.';

/** The enhanced (simplified) flow, and the token call apps of the classic flow start with. */
export const RELAYED_OPERATIONS = ['GetId', 'GetCredentialsForIdentity', 'GetOpenIdToken'] as const;

export interface RelayOptions {
  readonly upstream: CognitoIdentityUpstream;
  readonly keys: DropInKeyWriter;
  /** The stack's region: the scope of the signing keys. */
  readonly region: string;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
}

type Json = Record<string, unknown>;

const parseJson = (bytes: Buffer): Json | undefined => {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
};

const requestIdOf = (event: SyncHttpEvent): string => event.requestContext?.requestId ?? 'unknown';

/** Answers one relay request. Never throws. */
export async function relayCognitoIdentity(event: SyncHttpEvent, options: RelayOptions): Promise<SyncHttpResult> {
  const requestId = requestIdOf(event);
  try {
    const target = event.headers?.['x-amz-target'] ?? '';
    const operation = target.startsWith(COGNITO_IDENTITY_TARGET_PREFIX) ? target.slice(COGNITO_IDENTITY_TARGET_PREFIX.length) : '';
    if (event.requestContext?.http?.method !== 'POST' || event.rawPath !== '/' || !(RELAYED_OPERATIONS as readonly string[]).includes(operation)) {
      // 400 in JSON 1.1 (protocol/errors.ts), as Cognito Identity answers an unknown target.
      throw Errors.unknownOperation(`The drop-in relay forwards only ${RELAYED_OPERATIONS.map((o) => COGNITO_IDENTITY_TARGET_PREFIX + o).join(', ')}.`);
    }
    const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    const answer = await options.upstream(target, body, event.headers?.['user-agent']);
    if (answer.statusCode === 200) await learn(operation, body, answer.body, options);
    return {
      statusCode: answer.statusCode,
      headers: {
        'content-type': answer.contentType,
        'x-amzn-RequestId': answer.requestId ?? requestId,
        ...(answer.errorType ? { 'x-amzn-ErrorType': answer.errorType } : {}),
      },
      // Base64: API Gateway hands the client exactly these bytes.
      body: answer.body.toString('base64'),
      isBase64Encoded: true,
    };
  } catch (e) {
    if (isWireError(e)) return errorResponse(e, requestId, 'json-1.1');
    console.error('Cognito Identity relay failed:', e);
    // The credentials may not be stored: the app's SDK retries the call rather than sync with keys no one knows.
    return errorResponse(Errors.internal('An internal error occurred.'), requestId, 'json-1.1');
  }
}

async function learn(operation: string, requestBody: Buffer, answerBody: Buffer, options: RelayOptions): Promise<void> {
  const request = parseJson(requestBody) ?? {};
  const answer = parseJson(answerBody) ?? {};
  if (operation === 'GetId') {
    if (typeof request.IdentityPoolId === 'string' && typeof answer.IdentityId === 'string') {
      await options.keys.rememberPool(answer.IdentityId, request.IdentityPoolId);
    }
    return;
  }
  if (operation !== 'GetCredentialsForIdentity') return;
  const identityId = answer.IdentityId;
  const credentials = issuedCredentials(answer.Credentials);
  if (typeof identityId !== 'string' || !credentials) throw new Error('GetCredentialsForIdentity answered without IdentityId or Credentials');
  let identityPoolId = await options.keys.poolOf(identityId);
  if (identityPoolId === undefined) {
    identityPoolId = await poolFromOpenIdToken(identityId, request.Logins, options.upstream);
    await options.keys.rememberPool(identityId, identityPoolId);
  }
  await options.keys.put(dropInKeyOf(credentials, { identityId, identityPoolId }, options.region, options.now?.() ?? Date.now()));
}

/** JSON 1.1 timestamps are epoch seconds. */
function issuedCredentials(value: unknown): IssuedCredentials | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const c = value as Json;
  if (typeof c.AccessKeyId !== 'string' || typeof c.SecretKey !== 'string' || typeof c.SessionToken !== 'string' || typeof c.Expiration !== 'number') {
    return undefined;
  }
  return { accessKeyId: c.AccessKeyId, secretKey: c.SecretKey, sessionToken: c.SessionToken, expiresAtMs: c.Expiration * 1000 };
}

/** The identity's pool: the `aud` of the OpenID token Cognito Identity issues it. */
async function poolFromOpenIdToken(identityId: string, logins: unknown, upstream: CognitoIdentityUpstream): Promise<string> {
  const request = { IdentityId: identityId, ...(logins && typeof logins === 'object' ? { Logins: logins } : {}) };
  const answer = await upstream(`${COGNITO_IDENTITY_TARGET_PREFIX}GetOpenIdToken`, Buffer.from(JSON.stringify(request)), undefined);
  const token = answer.statusCode === 200 ? parseJson(answer.body)?.Token : undefined;
  const payload = typeof token === 'string' ? token.split('.')[1] : undefined;
  const aud = payload ? parseJson(Buffer.from(payload, 'base64url'))?.aud : undefined;
  const pool = Array.isArray(aud) ? aud[0] : aud;
  if (typeof pool !== 'string') throw new Error(`GetOpenIdToken named no pool for ${identityId} (status ${answer.statusCode})`);
  return pool;
}
