/**
 * The caller of a drop-in request: a Cognito Sync request that reached the function with no API
 * Gateway authorizer (the drop-in API), signed by the app's unmodified SDK for `cognito-sync` with
 * credentials the relay saw issued. The signature is verified by the same code as the local
 * endpoint's (auth/sigv4-verifier.ts), against the signing key the relay stored for the access key.
 * The principal is the one the IAM path builds for Cognito Identity credentials; the operation's own
 * checks (protocol/middlewares.ts `checkAccess`) then refuse any other identity's or pool's path.
 *
 * Keys are cached per function instance until they expire, so a warm instance verifies with no
 * DynamoDB read and no KMS call (bench/drop-in.ts). An access key the store does not hold is
 * remembered as unknown for UNKNOWN_KEY_TTL_MS, so a client retrying with credentials the relay never
 * saw (obtained from Cognito Identity directly) costs one read a minute per instance, not one per
 * request. That is safe because the relay stores a key before it hands the credentials out, and the
 * store is read consistently: a key absent once was never issued through the relay.
 */
import type { Principal } from '../domain/model';
import { SigningErrors } from '../auth/signing-errors';
import { EXPIRED_TOKEN, INVALID_TOKEN, type IncomingSignedRequest, SIGNATURE_MISMATCH, type SigningScope, verifySignedRequest } from '../auth/sigv4-verifier';
import type { SyncHttpEvent } from '../protocol/http-event';
import { DROP_IN_SERVICE, type DropInKey, sha256Hex } from './drop-in-key';
import type { DropInKeyReader } from './ports';

export interface DropInAuthenticatorOptions {
  /** The stack's region: the only one a credential scope may name. */
  readonly region: string;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
  /** Keys held per instance at most; the oldest go first. @default 10,000 */
  readonly cacheSize?: number;
}

/** Counters the bench and the tests read: how often a request needed the store. */
export interface DropInCacheStats {
  hits: number;
  misses: number;
}

const DEFAULT_CACHE_SIZE = 10_000;
/** How long an access key the store does not hold is answered as unknown without asking it again. */
export const UNKNOWN_KEY_TTL_MS = 60_000;
/** AWS access key ids: upper-case letters and digits, 16 to 128 characters (IAM's AccessKeyId). */
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;

/** The request the client signed, from the payload 2.0 event. */
export function signedRequestOf(event: SyncHttpEvent): IncomingSignedRequest {
  const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: event.requestContext?.http?.method ?? '',
    rawPath: event.rawPath ?? '',
    rawQueryString: event.rawQueryString ?? '',
    headers: (event.headers ?? {}) as Record<string, string>,
    body,
  };
}

export class DropInAuthenticator {
  private readonly cache = new Map<string, DropInKey>();
  /** Access key ids the store did not hold, and until when (epoch ms) that answer stands. */
  private readonly unknown = new Map<string, number>();
  readonly stats: DropInCacheStats = { hits: 0, misses: 0 };

  constructor(
    private readonly keys: DropInKeyReader,
    private readonly options: DropInAuthenticatorOptions,
  ) {}

  /** The identity principal of a verified request, or the signing refusal AWS would answer. */
  async principalOf(event: SyncHttpEvent): Promise<Principal> {
    const key = await verifySignedRequest(
      signedRequestOf(event),
      { region: this.options.region, services: [DROP_IN_SERVICE], now: this.options.now },
      (scope, now) => this.resolve(scope, now),
    );
    return { kind: 'identity', accountId: event.requestContext?.accountId ?? '', identityPoolId: key.identityPoolId, identityId: key.identityId };
  }

  private async resolve(scope: SigningScope, now: number): Promise<{ signingKey: Uint8Array; caller: DropInKey }> {
    // Not the shape of an access key id: no store read (nor a DynamoDB key too long to ask for).
    if (!ACCESS_KEY_ID.test(scope.accessKeyId)) throw SigningErrors.unrecognizedClient(INVALID_TOKEN);
    const key = await this.lookup(scope.accessKeyId, now);
    if (!key) throw SigningErrors.unrecognizedClient(INVALID_TOKEN);
    if (key.expiresAtMs <= now) throw SigningErrors.expiredToken(EXPIRED_TOKEN);
    // The key id alone is not the credentials: the token issued with it must come along.
    if (scope.sessionToken === undefined || sha256Hex(scope.sessionToken) !== key.sessionTokenSha256) {
      throw SigningErrors.unrecognizedClient(INVALID_TOKEN);
    }
    const signingKey = key.region === scope.region ? key.signingKeys[scope.date] : undefined;
    // A day the credentials were never valid on: no key can have signed it.
    if (!signingKey) throw SigningErrors.invalidSignature(SIGNATURE_MISMATCH);
    return { signingKey, caller: key };
  }

  private async lookup(accessKeyId: string, now: number): Promise<DropInKey | undefined> {
    const cached = this.cache.get(accessKeyId);
    if (cached && cached.expiresAtMs > now) {
      this.stats.hits++;
      return cached;
    }
    this.cache.delete(accessKeyId);
    if ((this.unknown.get(accessKeyId) ?? 0) > now) {
      this.stats.hits++;
      return undefined;
    }
    this.unknown.delete(accessKeyId);
    this.stats.misses++;
    const key = await this.keys.get(accessKeyId);
    if (!key) this.remember(this.unknown, accessKeyId, now + UNKNOWN_KEY_TTL_MS);
    // An expired key is answered from the store (ExpiredTokenException) but never cached.
    else if (key.expiresAtMs > now) this.remember(this.cache, accessKeyId, key);
    return key;
  }

  /** Adds an entry to one of the per-instance maps, the oldest going first once it is full. */
  private remember<V>(map: Map<string, V>, accessKeyId: string, value: V): void {
    if (map.size >= (this.options.cacheSize ?? DEFAULT_CACHE_SIZE)) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    map.set(accessKeyId, value);
  }
}
