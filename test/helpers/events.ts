/**
 * Builds the API Gateway HTTP API (payload 2.0) event the handlers receive, as API Gateway's IAM
 * authorizer and the local server build it (lambdas/src/protocol/http-event.ts). For any test that
 * calls a handler or `dispatch` in-process.
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../lambdas/src/domain/model';
import { matchRoute, routeKey } from '../../lambdas/src/operations';
import type { IamAuthorizerContext, SyncHttpEvent } from '../../lambdas/src/protocol/http-event';

export const TEST_ACCOUNT_ID = '123456789012';
export const TEST_POOL_ID = 'us-east-1:11111111-2222-3333-4444-555555555555';
export const TEST_IDENTITY_ID = 'us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

export const developer = (accountId = TEST_ACCOUNT_ID): Principal => ({ kind: 'developer', accountId });

export const identity = (identityId = TEST_IDENTITY_ID, identityPoolId = TEST_POOL_ID, accountId = TEST_ACCOUNT_ID): Principal => ({
  kind: 'identity',
  accountId,
  identityPoolId,
  identityId,
});

export interface EventOptions {
  readonly method: string;
  /** As sent on the wire: labels still percent-encoded (use `encodePath` or `datasetPath`). */
  readonly rawPath: string;
  /** A raw query string (without `?`) or parameters to encode. */
  readonly query?: string | Readonly<Record<string, string | number | undefined>>;
  /** Header names are lower-cased, as in payload 2.0. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as is; anything else is JSON-encoded. */
  readonly body?: unknown;
  /** Send the body base64-encoded, as API Gateway does for binary content types. */
  readonly base64?: boolean;
  /** Default: a developer of TEST_ACCOUNT_ID. `null`: no authorizer context at all. */
  readonly principal?: Principal | null;
  readonly requestId?: string;
  /** API Gateway stage; `$default` unless a test is about named stages. */
  readonly stage?: string;
}

/** The authorizer context API Gateway's IAM authorizer puts in `requestContext.authorizer`. */
export function iamAuthorizer(principal: Principal): IamAuthorizerContext {
  const isIdentity = principal.kind === 'identity';
  return {
    iam: {
      accessKey: isIdentity ? 'ASIAEXAMPLEIDENTITY' : 'AKIAEXAMPLEDEVELOPER',
      accountId: principal.accountId,
      callerId: isIdentity ? 'AROAEXAMPLE:CognitoIdentityCredentials' : 'AIDAEXAMPLE',
      cognitoIdentity: isIdentity ? { amr: ['unauthenticated'], identityId: principal.identityId, identityPoolId: principal.identityPoolId } : null,
      principalOrgId: null,
      userArn: isIdentity
        ? `arn:aws:sts::${principal.accountId}:assumed-role/Cognito_Unauth_Role/CognitoIdentityCredentials`
        : `arn:aws:iam::${principal.accountId}:user/developer`,
      userId: isIdentity ? 'AROAEXAMPLE:CognitoIdentityCredentials' : 'AIDAEXAMPLE',
    },
  };
}

function queryString(query: EventOptions['query']): string {
  if (query === undefined) return '';
  if (typeof query === 'string') return query;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  return params.toString();
}

export function makeEvent(options: EventOptions): SyncHttpEvent {
  const method = options.method.toUpperCase();
  const rawQueryString = queryString(options.query);
  const stage = options.stage ?? '$default';
  let bodyText: string | undefined;
  if (options.body !== undefined) bodyText = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const isBase64Encoded = options.base64 === true && bodyText !== undefined;
  if (isBase64Encoded) bodyText = Buffer.from(bodyText!, 'utf8').toString('base64');

  let key = `${method} ${options.rawPath}`;
  try {
    const route = matchRoute(method, options.rawPath);
    if (route) key = routeKey(route.op);
  } catch {
    // A test about bad percent-encoding: keep the raw route key.
  }
  const principal = options.principal === undefined ? developer() : options.principal;
  const now = Date.now();
  const requestContext = {
    accountId: TEST_ACCOUNT_ID,
    apiId: 'local',
    domainName: 'localhost',
    domainPrefix: 'localhost',
    http: { method, path: options.rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
    requestId: options.requestId ?? randomUUID(),
    routeKey: key,
    stage,
    time: new Date(now).toUTCString(),
    timeEpoch: now,
    ...(principal ? { authorizer: iamAuthorizer(principal) } : {}),
  } as SyncHttpEvent['requestContext'];

  return {
    version: '2.0',
    routeKey: key,
    rawPath: options.rawPath,
    rawQueryString,
    headers: { host: 'localhost', ...(options.headers ?? {}) },
    ...(rawQueryString ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) } : {}),
    requestContext,
    ...(bodyText !== undefined ? { body: bodyText } : {}),
    isBase64Encoded,
  };
}

/** Percent-encodes labels the way the SDKs do (`:` -> `%3A`). */
export const encodeLabel = (label: string): string => encodeURIComponent(label);

export const poolPath = (pool = TEST_POOL_ID): string => `/identitypools/${encodeLabel(pool)}`;

export const identityPath = (pool = TEST_POOL_ID, id = TEST_IDENTITY_ID): string => `${poolPath(pool)}/identities/${encodeLabel(id)}`;

export const datasetPath = (dataset = 'ds', pool = TEST_POOL_ID, id = TEST_IDENTITY_ID): string => `${identityPath(pool, id)}/datasets/${encodeLabel(dataset)}`;
