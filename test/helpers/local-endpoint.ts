/**
 * The local endpoint for end-to-end tests: a fresh table on the shared DynamoDB Local, the local
 * server on a free port, and the ways in that real clients use: developer credentials, and
 * identities with their session credentials from the endpoint's own Cognito Identity subset.
 *
 * Also a raw HTTP client that signs with the clients' own signer, for requests the SDKs refuse to
 * send (bad types, bad JSON, unknown routes) or that must be sent unsigned.
 */
import { randomBytes } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { DEFAULT_DEVELOPER_ACCESS_KEY_ID, DEFAULT_DEVELOPER_SECRET_ACCESS_KEY } from '../../lambdas/local/auth/credentials';
import { startLocalServer } from '../../lambdas/local/http/server';
import type { LocalFunctionSpec } from '../../lambdas/local/lambda/function-registry';
import { headerValue } from '../../lambdas/src/protocol/headers';
import { freshTable } from './dynamodb-local';

/** Not the server's default (000000000000), so a test sees that the configured account is used. */
export const ACCOUNT_ID = '123456789012';
export const REGION = 'us-east-1';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface TestIdentity {
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly credentials: AwsCredentials;
}

export interface Endpoint {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly region: string;
  readonly accountId: string;
  readonly tableName: string;
  /** The server key: it also keys SyncSessionTokens and NextTokens (tests mint expired ones). */
  readonly serverKey: Buffer;
  readonly developerCredentials: AwsCredentials;
  /** The identity pool `newIdentity` uses (created on first use; unauthenticated identities allowed). */
  identityPoolId(): Promise<string>;
  /** Another pool, for tests that need identities of two pools. */
  createIdentityPool(name?: string): Promise<string>;
  /** GetId + GetCredentialsForIdentity, unsigned, as an app does; in the default pool unless told. */
  newIdentity(identityPoolId?: string): Promise<TestIdentity>;
  close(): Promise<void>;
}

export interface EndpointOptions {
  /** Functions for the local function runner (sync triggers), as `npm start -- --function` registers them. */
  readonly functions?: readonly LocalFunctionSpec[];
}

export async function startEndpoint(options: EndpointOptions = {}): Promise<Endpoint> {
  const table = await freshTable('e2e');
  const serverKey = randomBytes(32);
  const developerCredentials = { accessKeyId: DEFAULT_DEVELOPER_ACCESS_KEY_ID, secretAccessKey: DEFAULT_DEVELOPER_SECRET_ACCESS_KEY };
  const server = await startLocalServer({
    port: 0,
    region: REGION,
    accountId: ACCOUNT_ID,
    tableName: table.tableName,
    dynamoEndpoint: table.endpoint,
    serverKey,
    developer: developerCredentials,
    functions: options.functions,
  });
  // Developer-signed (CreateIdentityPool), and unsigned (GetId, GetCredentialsForIdentity have no auth).
  const developerIdentityClient = new CognitoIdentityClient({ region: REGION, endpoint: server.url, credentials: developerCredentials, maxAttempts: 1 });
  const anonymousIdentityClient = new CognitoIdentityClient({ region: REGION, endpoint: server.url, maxAttempts: 1 });

  const createIdentityPool = async (name = 'e2e pool'): Promise<string> => {
    const out = await developerIdentityClient.send(new CreateIdentityPoolCommand({ IdentityPoolName: name, AllowUnauthenticatedIdentities: true }));
    if (!out.IdentityPoolId) throw new Error('CreateIdentityPool returned no IdentityPoolId');
    return out.IdentityPoolId;
  };
  let defaultPool: Promise<string> | undefined;
  const identityPoolId = (): Promise<string> => (defaultPool ??= createIdentityPool('e2e default pool'));

  return {
    url: server.url,
    region: REGION,
    accountId: ACCOUNT_ID,
    tableName: table.tableName,
    serverKey,
    developerCredentials,
    identityPoolId,
    createIdentityPool,
    async newIdentity(poolId?: string): Promise<TestIdentity> {
      const pool = poolId ?? (await identityPoolId());
      const { IdentityId } = await anonymousIdentityClient.send(new GetIdCommand({ IdentityPoolId: pool }));
      const out = await anonymousIdentityClient.send(new GetCredentialsForIdentityCommand({ IdentityId }));
      const c = out.Credentials;
      if (!IdentityId || !c?.AccessKeyId || !c.SecretKey || !c.SessionToken) throw new Error('incomplete Cognito Identity answer');
      return {
        identityPoolId: pool,
        identityId: IdentityId,
        credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken, expiration: c.Expiration },
      };
    },
    async close(): Promise<void> {
      developerIdentityClient.destroy();
      anonymousIdentityClient.destroy();
      await server.close();
      table.client.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP
// ---------------------------------------------------------------------------------------------

/** RFC 3986 encoding, as the SDKs encode path labels and query values (`:` -> `%3A`, `!` -> `%21`). */
export const rfc3986 = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `/identitypools/{pool}/identities/{identity}[/datasets/{dataset}[/records]]`, labels encoded. */
export function syncPath(pool: string, identity?: string, dataset?: string, suffix = ''): string {
  let path = `/identitypools/${rfc3986(pool)}`;
  if (identity !== undefined) path += `/identities/${rfc3986(identity)}`;
  if (dataset !== undefined) path += `/datasets/${rfc3986(dataset)}`;
  return path + suffix;
}

export interface RawRequest {
  readonly method: string;
  /** Already percent-encoded, as on the wire. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Omit to send the request unsigned. */
  readonly credentials?: AwsCredentials;
}

export interface RawResponse {
  readonly status: number;
  /** The `x-amzn-ErrorType` header. */
  readonly errorType: string | null;
  readonly requestId: string | null;
  readonly text: string;
  /** The body parsed as JSON (`undefined` when empty). */
  readonly json: Record<string, unknown> | undefined;
}

/** Sends one request to the endpoint, signed SigV4 for `cognito-sync` when credentials are given. */
export async function rawRequest(endpoint: Pick<Endpoint, 'url' | 'region'>, raw: RawRequest): Promise<RawResponse> {
  const url = new URL(endpoint.url);
  let headers: Record<string, string> = { host: url.host, ...raw.headers };
  if (raw.body !== undefined && headerValue(headers, 'content-type') === undefined) {
    headers['content-type'] = 'application/json';
  }
  if (raw.credentials) {
    const signer = new SignatureV4({ credentials: raw.credentials, region: endpoint.region, service: 'cognito-sync', sha256: Sha256 });
    const signed = await signer.sign(
      new HttpRequest({
        method: raw.method,
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: raw.path,
        query: { ...raw.query },
        headers,
        body: raw.body,
      }),
    );
    headers = signed.headers;
  }
  const query = Object.entries(raw.query ?? {})
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const sent = { ...headers };
  delete sent.host; // fetch sets it, to the same value
  const response = await fetch(`${endpoint.url}${raw.path}${query ? `?${query}` : ''}`, {
    method: raw.method,
    headers: sent,
    body: raw.body,
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  if (text !== '') {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype'),
    requestId: response.headers.get('x-amzn-requestid'),
    text,
    json,
  };
}
