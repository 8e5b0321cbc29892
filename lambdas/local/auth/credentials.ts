/**
 * The credentials the local endpoint accepts: one developer key pair, and session credentials minted
 * by the local Cognito Identity (GetCredentialsForIdentity).
 *
 * Session credentials are stateless: the session token carries its claims and an HMAC under the
 * server key, and the secret key is derived from the token with the same key. So verifying a
 * request needs no store lookup, and credentials survive a restart as long as the key file does.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The published developer pair: `--in-memory` and the tests use it. A persistent data directory gets
 * its own random pair instead (`loadOrCreateDeveloperCredentials`), because any web page open in the
 * developer's browser knows the published one.
 */
export const DEFAULT_DEVELOPER_ACCESS_KEY_ID = 'AKIALOCALDEVELOPER00';
export const DEFAULT_DEVELOPER_SECRET_ACCESS_KEY = 'local-developer-secret-key';

export interface DeveloperCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const DEFAULT_DEVELOPER: DeveloperCredentials = {
  accessKeyId: DEFAULT_DEVELOPER_ACCESS_KEY_ID,
  secretAccessKey: DEFAULT_DEVELOPER_SECRET_ACCESS_KEY,
};

/**
 * `SYNC_DEVELOPER_ACCESS_KEY_ID` / `SYNC_DEVELOPER_SECRET_ACCESS_KEY`, each overriding its half of
 * `fallback` (the documented pair unless given).
 */
export function developerCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env, fallback: DeveloperCredentials = DEFAULT_DEVELOPER): DeveloperCredentials {
  return {
    accessKeyId: env.SYNC_DEVELOPER_ACCESS_KEY_ID || fallback.accessKeyId,
    secretAccessKey: env.SYNC_DEVELOPER_SECRET_ACCESS_KEY || fallback.secretAccessKey,
  };
}

/** What a session token asserts. */
export interface SessionClaims {
  readonly v: 1;
  readonly akid: string;
  readonly pool: string;
  readonly identity: string;
  /** Expiry, epoch seconds. */
  readonly exp: number;
}

/** GetCredentialsForIdentity's `Credentials`, with the expiry as a Date. */
export interface SessionCredentials {
  readonly AccessKeyId: string;
  readonly SecretKey: string;
  readonly SessionToken: string;
  readonly Expiration: Date;
}

export const SESSION_TTL_SECONDS = 3600;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A prefix + 16 random base32 characters: the shape of an AWS access key id. */
function accessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  // 256 is a multiple of 32, so `byte & 31` is uniform.
  return prefix + Array.from(randomBytes(16), (byte) => BASE32[byte & 31]).join('');
}

/** `ASIA…`: the shape of an STS temporary access key id. */
const temporaryAccessKeyId = (): string => accessKeyId('ASIA');

/** A fresh long-term pair shaped like an IAM user's: `AKIA` + 16 characters, a 40-character secret. */
export function randomDeveloperCredentials(): DeveloperCredentials {
  // 30 bytes are exactly 40 base64 characters, from the same alphabet as AWS secret keys.
  return { accessKeyId: accessKeyId('AKIA'), secretAccessKey: randomBytes(30).toString('base64') };
}

const hmac = (key: Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

export function mintSessionCredentials(
  serverKey: Buffer,
  subject: { readonly pool: string; readonly identity: string },
  nowMs: number = Date.now(),
  ttlSeconds: number = SESSION_TTL_SECONDS,
): SessionCredentials {
  const exp = Math.floor(nowMs / 1000) + ttlSeconds;
  const claims: SessionClaims = { v: 1, akid: temporaryAccessKeyId(), pool: subject.pool, identity: subject.identity, exp };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sessionToken = `${payload}.${hmac(serverKey, payload).toString('base64url')}`;
  return {
    AccessKeyId: claims.akid,
    SecretKey: deriveSessionSecret(serverKey, sessionToken),
    SessionToken: sessionToken,
    Expiration: new Date(exp * 1000),
  };
}

/** The secret key that belongs to a session token. */
export function deriveSessionSecret(serverKey: Buffer, sessionToken: string): string {
  return hmac(serverKey, `secret\n${sessionToken}`).toString('base64').slice(0, 40);
}

/**
 * The claims of a session token whose MAC verifies under the server key, or `undefined` for
 * anything else (malformed, tampered, minted by another key). Expiry is the caller's to check: it
 * answers a different error.
 */
export function openSessionToken(serverKey: Buffer, sessionToken: string): SessionClaims | undefined {
  const parts = sessionToken.split('.');
  if (parts.length !== 2) return undefined;
  const [payload, mac] = parts;
  const expected = hmac(serverKey, payload);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<SessionClaims>;
    if (
      claims.v !== 1 ||
      typeof claims.akid !== 'string' ||
      typeof claims.pool !== 'string' ||
      typeof claims.identity !== 'string' ||
      typeof claims.exp !== 'number'
    ) {
      return undefined;
    }
    return claims as SessionClaims;
  } catch {
    return undefined;
  }
}
