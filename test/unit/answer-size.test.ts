/**
 * The service keeps its answers under Lambda's response limit (domain/records/answer-size.ts,
 * MAX_ANSWER_RECORD_BYTES): ListRecords pages by the escaped size of its records, UpdateRecords
 * refuses, before writing, records it could not echo. With the in-memory store, whose pages are cut
 * by count only, so that nothing but the answer's size splits a listing.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetRef, Principal } from '../../lambdas/src/domain/model';
import { answerBytes, MAX_ANSWER_RECORD_BYTES } from '../../lambdas/src/domain/records/answer-size';
import { CognitoSyncService } from '../../lambdas/src/domain/sync-service';
import { TokenCodec } from '../../lambdas/src/domain/tokens';
import { SyncError } from '../../lambdas/src/errors';
import { MemoryStore } from '../helpers/memory-store';

const POOL = 'us-east-1:11111111-1111-1111-1111-111111111111';
const ID = 'us-east-1:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const ds: DatasetRef = { IdentityPoolId: POOL, IdentityId: ID, DatasetName: 'big' };
const identity: Principal = { kind: 'identity', accountId: '123456789012', identityPoolId: POOL, identityId: ID };
/** 1 byte for the dataset limit, `\\u0001` (7 bytes) in the result. */
const CONTROL = '\u0001';

const newService = () =>
  new CognitoSyncService({ store: new MemoryStore(), clock: { now: () => 1_700_000_000_000 }, tokens: new TokenCodec(Buffer.alloc(32, 7)) });

async function put(service: CognitoSyncService, key: string, value: string, SyncCount = 0) {
  const { SyncSessionToken } = await service.listRecords(identity, ds);
  return service.updateRecords(identity, { ...ds, SyncSessionToken, RecordPatches: [{ Op: 'replace', Key: key, Value: value, SyncCount }] });
}

describe('answer size', () => {
  it('counts a control character as 7 bytes and `"` as 4, once escaped twice', () => {
    expect(answerBytes('k', CONTROL.repeat(10)) - answerBytes('k', '')).toBe(70);
    expect(answerBytes('k', '"'.repeat(10)) - answerBytes('k', '')).toBe(40);
    expect(answerBytes('k', 'é'.repeat(10)) - answerBytes('k', '')).toBe(20);
  });

  it('ListRecords answers a valid dataset too large for one answer in pages, with NextToken', async () => {
    const service = newService();
    for (let i = 0; i < 3; i++) await put(service, `k${i}`, CONTROL.repeat(349_000));
    const first = await service.listRecords(identity, ds);
    expect(first.Records.map((r) => r.Key)).toEqual(['k0', 'k1']);
    expect(first.NextToken).toBeDefined();
    const second = await service.listRecords(identity, { ...ds, NextToken: first.NextToken });
    expect(second.Records.map((r) => r.Key)).toEqual(['k2']);
    expect(second.NextToken).toBeUndefined();
  });

  it('UpdateRecords refuses records it could not echo, with 413, and writes nothing', async () => {
    const service = newService();
    const most = Math.floor((MAX_ANSWER_RECORD_BYTES - answerBytes('k', '')) / 7);
    await put(service, 'k', CONTROL.repeat(most));
    const e = await put(service, 'k', CONTROL.repeat(most + 1), 1).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(SyncError);
    expect(e).toMatchObject({ name: 'RequestEntityTooLargeException', code: 'RequestEntityTooLargeException' });
    const listed = await service.listRecords(identity, ds);
    expect(listed.DatasetSyncCount).toBe(1);
    expect(listed.Records[0].Value).toHaveLength(most);
  });
});
