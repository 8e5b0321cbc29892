/**
 * AWS Signature Version 4 verification, shared by the local endpoint (lambdas/local/auth/sigv4.ts)
 * and the deployed drop-in path (lambdas/src/drop-in/drop-in-authenticator.ts).
 *
 * We do not implement the canonical request ourselves: we rebuild the request as the client signed
 * it (its signed headers only, its own x-amz-date) and let `@smithy/signature-v4`, the clients'
 * signer, sign it again; the signatures must then be equal. Two places where that signer trusts its
 * input are closed here: the payload hash (it takes `x-amz-content-sha256` as given, so we hash the
 * body ourselves) and the clock (it signs any date, so we check skew).
 *
 * The verifier never needs a secret key: whoever resolves the access key id hands back the signing
 * key of the request's scope (kSigning, signing-key.ts). The local endpoint derives it from the
 * secret it holds; the drop-in path has only the derived keys the relay stored.
 *
 * Only the Authorization-header form is accepted; presigned URLs have no use here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
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

/** What the request claims about its credentials, once its form has been checked. */
export interface SigningScope {
  readonly accessKeyId: string;
  /** `YYYYMMDD` of the credential scope (equal to the x-amz-date's day). */
  readonly date: string;
  readonly region: string;
  readonly service: string;
  /** `x-amz-security-token`, when sent. */
  readonly sessionToken: string | undefined;
}

/**
 * Resolves the access key id to the signing key of the scope and the caller it stands for, or
 * throws the refusal (UnrecognizedClientException, ExpiredTokenException). `nowMs` is the clock the
 * verifier checks skew with.
 */
export type SigningKeyResolver<Caller> = (scope: SigningScope, nowMs: number) => Promise<ResolvedSigningKey<Caller>>;

export interface ResolvedSigningKey<Caller> {
  /** kSigning of the scope's date, region and service. */
  readonly signingKey: Uint8Array;
  readonly caller: Caller;
}

export interface SigningRules {
  /** The only region a credential scope may name. */
  readonly region: string;
  /** Signing names accepted in the credential scope; the first is the one refusals name. */
  readonly services: readonly string[];
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS accepts a signature dated up to 5 minutes either side of its clock. */
const MAX_SKEW_MS = 5 * 60 * 1000;

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const INVALID_TOKEN = 'The security token included in the request is invalid.';
export const EXPIRED_TOKEN = 'The security token included in the request is expired';

interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Verifies the request's signature; resolves to the caller or throws a `ProtocolError` (signing-errors.ts). */
export async function verifySignedRequest<Caller>(request: IncomingSignedRequest, rules: SigningRules, resolve: SigningKeyResolver<Caller>): Promise<Caller> {
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
  if (auth.region !== rules.region) {
    throw SigningErrors.invalidSignature(`Credential should be scoped to a valid region, not '${auth.region}'.`);
  }
  if (!rules.services.includes(auth.service)) {
    throw SigningErrors.invalidSignature(`Credential should be scoped to correct service: '${rules.services[0]}'.`);
  }

  const now = rules.now?.() ?? Date.now();
  const scope: SigningScope = {
    accessKeyId: auth.accessKeyId,
    date: auth.scopeDate,
    region: auth.region,
    service: auth.service,
    sessionToken: request.headers['x-amz-security-token'],
  };
  const { signingKey, caller } = await resolve(scope, now);
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

  const expected = await computeSignature(request, auth, signingDate, signingKey);
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

/** The signer's method that turns credentials into kSigning; the verifier supplies kSigning itself. */
interface SigningKeySource {
  getSigningKey: (...args: unknown[]) => Promise<Uint8Array>;
}

/** Signs the request again, as the client did, with the scope's signing key, and returns the hex signature. */
async function computeSignature(request: IncomingSignedRequest, auth: ParsedAuthorization, signingDate: Date, signingKey: Uint8Array): Promise<string> {
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
    // The secret is never used: the signing key below replaces its derivation.
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: '' },
    region: auth.region,
    service: auth.service,
    sha256: NodeSha256,
    uriEscapePath: true,
    // Otherwise the signer adds an x-amz-content-sha256 header the client may not have signed.
    applyChecksum: false,
  });
  // The signer derives kSigning from credentials in `getSigningKey` (private in its types, an
  // ordinary method at run time): an own property takes its place, so the rest of the signature
  // (canonical request, string to sign) stays the clients' own code. The unit test
  // test/unit/sigv4-verifier.test.ts fails if a signer release renames it.
  (signer as unknown as SigningKeySource).getSigningKey = async () => signingKey;
  const signed = await signer.sign(httpRequest, {
    signingDate,
    // Sign exactly what the client signed, including headers the signer would normally skip.
    signableHeaders: new Set(auth.signedHeaders),
  });
  const m = /Signature=([0-9a-f]+)/.exec(signed.headers.authorization ?? '');
  return m ? m[1] : '';
}
