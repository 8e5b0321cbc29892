/**
 * AWS Signature Version 4 verification for the local endpoint: what API Gateway's IAM authorizer
 * does when deployed (docs/decisions.md#sigv4-is-verified-locally-by-re-signing).
 *
 * We do not implement the canonical request ourselves: we rebuild the request as the client signed
 * it (its signed headers only, its own x-amz-date) and let `@smithy/signature-v4`, the clients'
 * signer, sign it again with the secret we hold; the signatures must then be equal. Two places where
 * that signer trusts its input are closed here: the payload hash (it takes `x-amz-content-sha256` as
 * given, so we hash the body ourselves) and the clock (it signs any date, so we check skew).
 *
 * Only the Authorization-header form is accepted; presigned URLs have no use here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CognitoIdentityOfCaller } from '../../src/protocol/http-event';
import { deriveSessionSecret, openSessionToken, type DeveloperCredentials } from './credentials';
import { LOCAL_IDENTITY_ROLE_NAME, localDeveloperArn } from '../service-config';
import { SigningErrors } from './signing-errors';
import { NodeSha256, parseSignedQuery } from './signing-parts';

/** The parts of an incoming request that the signature covers. */
export interface IncomingSignedRequest {
  readonly method: string;
  /** The path as sent, still percent-encoded. */
  readonly rawPath: string;
  /** The query as sent, without `?`. */
  readonly rawQueryString: string;
  /** Lower-cased names; repeated headers joined by `,`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface SigV4VerifierConfig {
  /** The only region a credential scope may name. */
  readonly region: string;
  /** Signing names accepted in the credential scope, e.g. `cognito-sync` and `execute-api`. */
  readonly services: readonly string[];
  readonly accountId: string;
  /** Key of the stateless session credentials (see credentials.ts). */
  readonly serverKey: Buffer;
  readonly developer: DeveloperCredentials;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
}

/** Who signed: becomes `requestContext.authorizer.iam` (without `principalOrgId`). */
export interface VerifiedCaller {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly userArn: string;
  readonly userId: string;
  readonly cognitoIdentity: CognitoIdentityOfCaller | null;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS accepts a signature dated up to 5 minutes either side of its clock. */
const MAX_SKEW_MS = 5 * 60 * 1000;

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Verifies the request's signature; resolves to the caller or throws a `ProtocolError` (signing-errors.ts). */
export async function verifySigV4(request: IncomingSignedRequest, config: SigV4VerifierConfig): Promise<VerifiedCaller> {
  const authorization = request.headers.authorization;
  if (!authorization) throw SigningErrors.missingAuthenticationToken('Missing Authentication Token');
  const auth = parseAuthorization(authorization);

  const amzDate = request.headers['x-amz-date'];
  if (!amzDate) throw SigningErrors.incompleteSignature(`Authorization header requires existence of a 'X-Amz-Date' header. Authorization=${authorization}`);
  const signingDate = parseAmzDate(amzDate);
  if (auth.scopeDate !== amzDate.slice(0, 8)) {
    throw SigningErrors.invalidSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
        `'${auth.scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (auth.region !== config.region) {
    throw SigningErrors.invalidSignature(`Credential should be scoped to a valid region, not '${auth.region}'.`);
  }
  if (!config.services.includes(auth.service)) {
    throw SigningErrors.invalidSignature(`Credential should be scoped to correct service: '${config.services[0]}'.`);
  }

  const now = config.now?.() ?? Date.now();
  const { secretAccessKey, caller } = resolveCredentials(auth.accessKeyId, request.headers['x-amz-security-token'], config, now);
  checkSkew(amzDate, signingDate, now);

  // The signer would hash whatever x-amz-content-sha256 claims; the body is what must be signed.
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const claimedHash = request.headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== bodyHash) {
    throw SigningErrors.invalidSignature(
      'The x-amz-content-sha256 header does not match the SHA-256 of the request body: ' +
        'the body was changed after signing, or the header is wrong (UNSIGNED-PAYLOAD is not accepted).',
    );
  }

  const expected = await computeSignature(request, auth, signingDate, secretAccessKey);
  const given = Buffer.from(auth.signature, 'hex');
  const wanted = Buffer.from(expected, 'hex');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw SigningErrors.invalidSignature(SIGNATURE_MISMATCH);
  }
  return caller;
}

function parseAuthorization(header: string): ParsedAuthorization {
  const space = header.indexOf(' ');
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw SigningErrors.incompleteSignature(`Unsupported signing algorithm '${algorithm}': only ${ALGORITHM} is accepted.`);
  }
  const params = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !params.get(name));
  if (missing.length > 0) {
    throw SigningErrors.incompleteSignature(`${missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ')} Authorization=${header}`);
  }
  const credential = (params.get('Credential') as string).split('/');
  if (credential.length !== 5 || credential[4] !== 'aws4_request' || credential.some((part) => part === '')) {
    throw SigningErrors.incompleteSignature(`Credential must have the form <AccessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request. Authorization=${header}`);
  }
  const signedHeaders = (params.get('SignedHeaders') as string).split(';');
  if (!signedHeaders.includes('host')) {
    throw SigningErrors.invalidSignature(`'Host' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  const [accessKeyId, scopeDate, region, service] = credential;
  return { accessKeyId, scopeDate, region, service, signedHeaders, signature: params.get('Signature') as string };
}

/** `YYYYMMDDTHHMMSSZ` (ISO 8601 basic format), as SigV4 requires. */
function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  const date = m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw SigningErrors.incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${value}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  return date;
}

/** `20240101T000000Z`, the format of AWS's skew messages. */
const basicFormat = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

function checkSkew(amzDate: string, signingDate: Date, now: number): void {
  const signedAt = signingDate.getTime();
  if (signedAt < now - MAX_SKEW_MS) {
    throw SigningErrors.invalidSignature(`Signature expired: ${amzDate} is now earlier than ${basicFormat(now - MAX_SKEW_MS)} (${basicFormat(now)} - 5 min.)`);
  }
  if (signedAt > now + MAX_SKEW_MS) {
    throw SigningErrors.invalidSignature(
      `Signature not yet current: ${amzDate} is still later than ${basicFormat(now + MAX_SKEW_MS)} (${basicFormat(now)} + 5 min.)`,
    );
  }
}

function resolveCredentials(
  accessKeyId: string,
  sessionToken: string | undefined,
  config: SigV4VerifierConfig,
  now: number,
): { secretAccessKey: string; caller: VerifiedCaller } {
  const { accountId } = config;
  if (accessKeyId === config.developer.accessKeyId) {
    // Long-term keys carry no token; one sent along means the client mixed up its credentials.
    if (sessionToken !== undefined) throw SigningErrors.unrecognizedClient(INVALID_TOKEN);
    const userId = 'AIDALOCALDEVELOPER';
    return {
      secretAccessKey: config.developer.secretAccessKey,
      caller: {
        accessKey: accessKeyId,
        accountId,
        callerId: userId,
        userArn: localDeveloperArn(accountId),
        userId,
        cognitoIdentity: null,
      },
    };
  }
  if (!accessKeyId.startsWith('ASIA') || sessionToken === undefined) throw SigningErrors.unrecognizedClient(INVALID_TOKEN);
  const claims = openSessionToken(config.serverKey, sessionToken);
  if (!claims || claims.akid !== accessKeyId) throw SigningErrors.unrecognizedClient(INVALID_TOKEN);
  if (claims.exp * 1000 <= now) throw SigningErrors.expiredToken('The security token included in the request is expired');
  // What API Gateway reports for Cognito Identity credentials: an assumed role session.
  const userId = 'AROALOCALCOGNITOUNAUTH:CognitoIdentityCredentials';
  return {
    secretAccessKey: deriveSessionSecret(config.serverKey, sessionToken),
    caller: {
      accessKey: accessKeyId,
      accountId,
      callerId: userId,
      userArn: `arn:aws:sts::${accountId}:assumed-role/${LOCAL_IDENTITY_ROLE_NAME}/CognitoIdentityCredentials`,
      userId,
      cognitoIdentity: { amr: ['unauthenticated'], identityId: claims.identity, identityPoolId: claims.pool },
    },
  };
}

/** Signs the request again, as the client did, and returns the hex signature. */
async function computeSignature(request: IncomingSignedRequest, auth: ParsedAuthorization, signingDate: Date, secretAccessKey: string): Promise<string> {
  // Null prototype: a header or parameter named `__proto__` must stay an ordinary key.
  const headers: Record<string, string> = Object.create(null);
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    // A signed header that did not arrive is left out, so the signatures differ, as they should.
    if (value !== undefined) headers[name] = value;
  }
  const httpRequest = new HttpRequest({
    method: request.method.toUpperCase(),
    protocol: 'http:',
    hostname: request.headers.host ?? 'localhost',
    // Still percent-encoded: the signer encodes it once more for non-S3 services, as the client did.
    path: request.rawPath,
    query: parseSignedQuery(request.rawQueryString),
    headers,
    body: request.body.length > 0 ? request.body : undefined,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: NodeSha256,
    uriEscapePath: true,
    // Otherwise the signer adds an x-amz-content-sha256 header the client may not have signed.
    applyChecksum: false,
  });
  const signed = await signer.sign(httpRequest, {
    signingDate,
    // Sign exactly what the client signed, including headers the signer would normally skip.
    signableHeaders: new Set(auth.signedHeaders),
  });
  const m = /Signature=([0-9a-f]+)/.exec(signed.headers.authorization ?? '');
  return m ? m[1] : '';
}
