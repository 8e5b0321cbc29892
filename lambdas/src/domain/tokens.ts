/**
 * Opaque, tamper-evident tokens: SyncSessionToken and the pagination NextTokens.
 *
 * A token is `base64url(JSON payload) "." base64url(HMAC-SHA256(key, purpose + payload))`. The
 * purpose is mixed into the MAC so a token minted for one use (a NextToken) never passes as another
 * (a SyncSessionToken). Clients treat them as opaque strings (docs/behaviour.md#tokens).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DatasetRef } from './model';

export type TokenPurpose = 'sync-session' | 'list-records' | 'list-datasets' | 'list-pool-usage';

export class TokenCodec {
  constructor(private readonly key: Buffer) {
    if (key.length < 16) throw new Error('token key must be at least 16 bytes');
  }

  seal(purpose: TokenPurpose, payload: object): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(purpose, body)}`;
  }

  /** The payload, or undefined when the token is malformed or was not sealed by us for `purpose`. */
  open<T>(purpose: TokenPurpose, token: string): T | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 4096) return undefined;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(purpose, body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return payload !== null && typeof payload === 'object' ? (payload as T) : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(purpose: TokenPurpose, body: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${body}`).digest('base64url');
  }
}

/**
 * Valid for one hour, reusable within it:
 * docs/decisions.md#a-session-token-is-good-for-an-hour-and-listrecords-never-refuses-one
 */
export const SYNC_SESSION_TTL_MS = 60 * 60 * 1000;

interface SyncSessionPayload {
  s: string; // session id
  p: string;
  i: string;
  d: string;
  t: number; // issued at, epoch ms
}

export class SyncSessionTokens {
  constructor(private readonly codec: Pick<TokenCodec, 'seal' | 'open'>) {}

  issue(dataset: DatasetRef, now: number): string {
    const payload: SyncSessionPayload = {
      s: randomUUID(),
      p: dataset.IdentityPoolId,
      i: dataset.IdentityId,
      d: dataset.DatasetName,
      t: now,
    };
    return this.codec.seal('sync-session', payload);
  }

  /** True when the token was issued by us for exactly this dataset within the last hour. */
  isValidFor(token: string, dataset: DatasetRef, now: number): boolean {
    const p = this.codec.open<SyncSessionPayload>('sync-session', token);
    return (
      p !== undefined &&
      p.p === dataset.IdentityPoolId &&
      p.i === dataset.IdentityId &&
      p.d === dataset.DatasetName &&
      typeof p.t === 'number' &&
      p.t <= now + 60_000 &&
      now - p.t < SYNC_SESSION_TTL_MS
    );
  }
}
