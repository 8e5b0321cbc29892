/**
 * What the drop-in path keeps of one set of Cognito Identity credentials: enough to verify Cognito
 * Sync requests signed with them, and nothing that signs anything else. The secret key is used once,
 * in the relay, to derive the SigV4 signing keys of service `cognito-sync` in the stack's region for
 * each day the credentials are valid on, then dropped (README "Drop-in mode", threat model).
 */
import { createHash } from 'node:crypto';
import { deriveSigningKey } from '../auth/signing-key';

/** The only signing name the stored keys can verify. */
export const DROP_IN_SERVICE = 'cognito-sync';

export interface DropInKey {
  readonly accessKeyId: string;
  readonly identityId: string;
  readonly identityPoolId: string;
  /** SHA-256 (hex) of the session token: a request must carry the very token issued with the key. */
  readonly sessionTokenSha256: string;
  readonly region: string;
  /** Epoch ms; past it the key verifies nothing (ExpiredTokenException). */
  readonly expiresAtMs: number;
  /** kSigning for `cognito-sync` in `region`, by `YYYYMMDD`. */
  readonly signingKeys: Readonly<Record<string, Uint8Array>>;
}

/** The credentials of a GetCredentialsForIdentity answer. */
export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretKey: string;
  readonly sessionToken: string;
  readonly expiresAtMs: number;
}

/** AWS accepts a signature dated up to 5 minutes either side of its clock (auth/sigv4-verifier.ts). */
const SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');

/** The UTC days a request signed with these credentials may be dated on, skew included. */
export function signingDays(issuedAtMs: number, expiresAtMs: number): string[] {
  const days: string[] = [];
  const firstDayStart = Math.floor((issuedAtMs - SKEW_MS) / DAY_MS) * DAY_MS;
  for (let t = firstDayStart; t <= expiresAtMs + SKEW_MS; t += DAY_MS) days.push(day(t));
  return days;
}

/** The key to store for credentials just issued to `identityId` of `identityPoolId`. */
export function dropInKeyOf(
  credentials: IssuedCredentials,
  subject: { readonly identityId: string; readonly identityPoolId: string },
  region: string,
  nowMs: number,
): DropInKey {
  const signingKeys: Record<string, Uint8Array> = {};
  for (const d of signingDays(nowMs, credentials.expiresAtMs)) {
    signingKeys[d] = deriveSigningKey(credentials.secretKey, d, region, DROP_IN_SERVICE);
  }
  return {
    accessKeyId: credentials.accessKeyId,
    identityId: subject.identityId,
    identityPoolId: subject.identityPoolId,
    sessionTokenSha256: sha256Hex(credentials.sessionToken),
    region,
    expiresAtMs: credentials.expiresAtMs,
    signingKeys,
  };
}
