/**
 * Many writers at once through HTTP (16 v3 clients, one identity, each its own client and
 * connections): on one record, exactly one write wins each round and every other gets a 409; on
 * different keys, nothing is lost and every accepted write has its own sync count
 * (docs/behaviour.md#sync-counts).
 */
import {
  CognitoSyncClient,
  ListRecordsCommand,
  ResourceConflictException,
  UpdateRecordsCommand,
  type UpdateRecordsCommandOutput,
} from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint, type TestIdentity } from '../helpers/local-endpoint';

const WRITERS = 16;

let endpoint: Endpoint;
let identity: TestIdentity;
let writers: CognitoSyncClient[];

beforeAll(async () => {
  endpoint = await startEndpoint();
  identity = await endpoint.newIdentity();
  // `maxAttempts: 1`: no SDK retry may hide a 5xx or turn a lost race into a win.
  writers = Array.from(
    { length: WRITERS },
    () => new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials: identity.credentials, maxAttempts: 1 }),
  );
});

afterAll(async () => {
  for (const w of writers ?? []) w.destroy();
  await endpoint?.close();
});

const datasetOf = (name: string) => ({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName: name });

/** Every writer's ListRecords at once: each gets its session token and the dataset as it stands. */
async function pullAll(name: string) {
  return Promise.all(writers.map((w) => w.send(new ListRecordsCommand({ ...datasetOf(name), LastSyncCount: 0 }))));
}

function expectConflict(reason: unknown): asserts reason is ResourceConflictException {
  expect(reason).toBeInstanceOf(ResourceConflictException);
  expect((reason as ResourceConflictException).$metadata.httpStatusCode).toBe(409);
}

describe(`${WRITERS} writers at once`, () => {
  it('on one record: exactly one acceptance per round, one new sync count, every loser a 409, the winner’s value kept', { timeout: 30_000 }, async () => {
    const name = 'hot';
    let count = 0;
    for (let round = 1; round <= 4; round++) {
      const views = await pullAll(name);
      for (const v of views) expect(v.DatasetSyncCount).toBe(count);
      const recordCount = views[0].Records?.find((r) => r.Key === 'score')?.SyncCount ?? 0;

      const results = await Promise.allSettled(
        writers.map((w, i) =>
          w.send(
            new UpdateRecordsCommand({
              ...datasetOf(name),
              SyncSessionToken: views[i].SyncSessionToken,
              RecordPatches: [{ Op: 'replace', Key: 'score', Value: `round ${round} writer ${i}`, SyncCount: recordCount }],
            }),
          ),
        ),
      );

      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, out: r.value }] : []));
      expect(won).toHaveLength(1);
      const [{ i: winner, out }] = won;
      expect(out.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['score', `round ${round} writer ${winner}`, count + 1]]);
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        expectConflict(r.reason);
        expect(r.reason.message).toBe(`Current SyncCount for: score is: ${count + 1} not: ${recordCount}`);
      }
      count += 1;

      const after = await writers[0].send(new ListRecordsCommand({ ...datasetOf(name), LastSyncCount: 0 }));
      expect(after.DatasetSyncCount).toBe(count);
      expect(after.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['score', `round ${round} writer ${winner}`, count]]);
    }
  });

  it('on one record, with large updates (over the 100-item transaction cap) among the writers: still exactly one acceptance per round', {
    timeout: 30_000,
  }, async () => {
    // Updates of more than 98 records commit through the store's redo log rather than one
    // transaction. Three writers send 111 patches (110 keys of their own and the contested one),
    // the others only the contested record.
    const name = 'hot-large';
    const LARGE = 3;
    let count = 0;
    for (let round = 1; round <= 3; round++) {
      const views = await pullAll(name);
      const counts = new Map((views[0].Records ?? []).map((r) => [r.Key as string, r.SyncCount as number]));
      const contested = counts.get('score') ?? 0;
      const results = await Promise.allSettled(
        writers.map((w, i) => {
          const own =
            i < LARGE
              ? Array.from({ length: 110 }, (_, k) => ({
                  Op: 'replace' as const,
                  Key: `bulk-${i}-${k}`,
                  Value: `${round}`,
                  SyncCount: counts.get(`bulk-${i}-${k}`) ?? 0,
                }))
              : [];
          return w.send(
            new UpdateRecordsCommand({
              ...datasetOf(name),
              SyncSessionToken: views[i].SyncSessionToken,
              RecordPatches: [...own, { Op: 'replace', Key: 'score', Value: `round ${round} writer ${i}`, SyncCount: contested }],
            }),
          );
        }),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, out: r.value }] : []));
      const summary = won.map(({ i, out }) => `writer ${i} at ${out.Records?.find((r) => r.Key === 'score')?.SyncCount}`).join(', ');
      expect(won.length, `round ${round}: accepted ${summary}`).toBe(1);
      const [{ i: winner, out }] = won;
      expect(out.Records?.find((r) => r.Key === 'score')).toMatchObject({ Value: `round ${round} writer ${winner}`, SyncCount: count + 1 });
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        expectConflict(r.reason);
        expect(r.reason.message).toBe(`Current SyncCount for: score is: ${count + 1} not: ${contested}`);
      }
      count += 1;
      const after = await writers[0].send(new ListRecordsCommand({ ...datasetOf(name), LastSyncCount: count - 1 }));
      expect(after.DatasetSyncCount).toBe(count);
      expect(after.Records?.find((r) => r.Key === 'score')).toMatchObject({ Value: `round ${round} writer ${winner}`, SyncCount: count });
    }
  });

  it('on different keys: nothing lost, each acceptance a distinct sync count, all keys present', { timeout: 30_000 }, async () => {
    const name = 'spread';
    const accepted: UpdateRecordsCommandOutput[] = [];
    let pending = writers.map((_, i) => i);
    let waves = 0;
    const spuriousConflicts: string[] = [];
    // A writer whose update was refused does what a client does: pull again, push again.
    while (pending.length > 0) {
      waves++;
      expect(waves).toBeLessThanOrEqual(5);
      const views = await pullAll(name);
      const results = await Promise.allSettled(
        pending.map((i) =>
          writers[i].send(
            new UpdateRecordsCommand({
              ...datasetOf(name),
              SyncSessionToken: views[i].SyncSessionToken,
              RecordPatches: [{ Op: 'replace', Key: `key-${i}`, Value: `value of writer ${i}`, SyncCount: 0 }],
            }),
          ),
        ),
      );
      const next: number[] = [];
      results.forEach((r, n) => {
        if (r.status === 'fulfilled') {
          accepted.push(r.value);
        } else {
          expectConflict(r.reason);
          spuriousConflicts.push(r.reason.message);
          next.push(pending[n]);
        }
      });
      pending = next;
    }

    // Every acceptance got its own sync count: 1..16, no gaps, no repeats.
    const counts = accepted.map((out) => {
      expect(out.Records).toHaveLength(1);
      return out.Records?.[0].SyncCount as number;
    });
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: WRITERS }, (_, i) => i + 1));

    // And the server holds every key with its writer's value, at the count its writer was told.
    const final = await writers[0].send(new ListRecordsCommand({ ...datasetOf(name), LastSyncCount: 0 }));
    expect(final.DatasetSyncCount).toBe(WRITERS);
    const byKey = new Map(final.Records?.map((r) => [r.Key, r]));
    expect(byKey.size).toBe(WRITERS);
    for (const out of accepted) {
      const written = out.Records?.[0];
      expect(byKey.get(written?.Key)).toMatchObject({ Value: written?.Value, SyncCount: written?.SyncCount });
    }
    // A refusal here can only be the service giving up on contention, never a real conflict.
    for (const message of spuriousConflicts) {
      expect(message).toBe(`Dataset '${name}' is being modified by other requests; synchronize and retry.`);
    }
  });
});
