/**
 * Ids, principals and patches shared by the integration tests and the processes they spawn. Nothing
 * here imports vitest, so a plain Node child process can use it.
 */
import type { DatasetRef, Principal, RecordPatch } from '../../lambdas/src/domain/model';

export const TOKEN_KEY = Buffer.alloc(32, 9);

export const POOL = 'us-east-1:11111111-2222-3333-4444-555555555555';
export const identityPrincipal = (identityId: string): Principal => ({
  kind: 'identity',
  accountId: '000000000000',
  identityPoolId: POOL,
  identityId,
});

export const datasetOf = (identityId: string, name = 'settings'): DatasetRef => ({
  IdentityPoolId: POOL,
  IdentityId: identityId,
  DatasetName: name,
});

export const replace = (Key: string, Value: string, SyncCount = 0): RecordPatch => ({ Op: 'replace', Key, Value, SyncCount });

/** Printable ASCII that JSON does not escape: a pad of it deflates no better than to about 82%. */
const PAD_ALPHABET = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i))
  .filter((c) => c !== '"' && c !== '\\')
  .join('');

/**
 * `<prefix>-<i>`, padded with `pad` more bytes: record i of a test dataset of a chosen size. The pad
 * is pseudo-random (the same for the same prefix and i), not a repeated character, because a head
 * deflates its records (compressed-records.ts): a repeated pad would shrink to nothing and no
 * dataset would ever leave the single item.
 */
export function paddedValue(prefix: string, i: number, pad = 0): string {
  if (pad <= 0) return `${prefix}-${i}`;
  let state = [...prefix].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, (2166136261 ^ i) >>> 0);
  let text = '';
  for (let k = 0; k < pad; k++) {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    text += PAD_ALPHABET[state % PAD_ALPHABET.length];
  }
  return `${prefix}-${i}-${text}`;
}
