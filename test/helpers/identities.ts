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

/** `<prefix>-<i>`, padded with `pad` more bytes: record i of a test dataset of a chosen size. */
export const paddedValue = (prefix: string, i: number, pad = 0): string => `${prefix}-${i}${pad > 0 ? `-${'x'.repeat(pad)}` : ''}`;
