/**
 * Which reads UpdateRecords asks to be consistent: the first not, unless a rewrite step (the sync
 * trigger) will be shown the dataset; nothing reported from a read the store says was eventual
 * (a conflict or a limit it shows is confirmed by a consistent read first).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DatasetRef, Limits, Principal, RecordPatch } from '../../lambdas/src/domain/model';
import type { UpdateSnapshot } from '../../lambdas/src/domain/ports';
import type { UpdateWriter } from '../../lambdas/src/domain/records/ports';
import type { RewriteStep } from '../../lambdas/src/domain/records/update-planner';
import { RecordUpdates } from '../../lambdas/src/domain/records/update-records';
import { SyncSessionTokens, TokenCodec } from '../../lambdas/src/domain/tokens';
import { MemoryStore } from '../helpers/memory-store';

const ds: DatasetRef = { IdentityPoolId: 'us-east-1:pool', IdentityId: 'us-east-1:id', DatasetName: 'settings' };
const identity: Principal = { kind: 'identity', accountId: '123456789012', identityPoolId: ds.IdentityPoolId, identityId: ds.IdentityId };
const NOW = 1_700_000_000_000;
const tokens = new TokenCodec(Buffer.alloc(32, 7));
const SyncSessionToken = new SyncSessionTokens(tokens).issue(ds, NOW);
const replace = (Key: string, Value: string, SyncCount = 0): RecordPatch => ({ Op: 'replace', Key, Value, SyncCount });

let store: MemoryStore;
/** The `consistent` option of each read, in order. */
let reads: (boolean | undefined)[];
/** A snapshot to answer the next eventual read with instead of the store's (a stale replica). */
let staleNext: UpdateSnapshot | undefined;

beforeEach(() => {
  store = new MemoryStore();
  reads = [];
  staleNext = undefined;
});

function updates(rewrite?: RewriteStep, limits?: Limits): RecordUpdates {
  const port: UpdateWriter = {
    readForUpdate: async (d, k, options) => {
      reads.push(options?.consistent);
      if (options?.consistent === false && staleNext) {
        const stale = staleNext;
        staleNext = undefined;
        return { ...stale, eventual: true };
      }
      return { ...(await store.readForUpdate(d, k)), ...(options?.consistent === false ? { eventual: true } : {}) };
    },
    commitUpdate: (c) => store.commitUpdate(c),
  };
  return new RecordUpdates({ store: port, clock: { now: () => NOW }, tokens, ...(rewrite ? { rewrite } : {}), ...(limits ? { limits } : {}) });
}
const update = (service: RecordUpdates, patches: RecordPatch[]) => service.updateRecords(identity, { ...ds, SyncSessionToken, RecordPatches: patches });
const identityStep = (applies: boolean | undefined): RewriteStep =>
  Object.assign(
    async (checked: Parameters<RewriteStep>[0]) => ({ patches: checked.patches, state: checked.state }),
    applies === undefined ? {} : { appliesTo: async () => applies },
  );

describe('UpdateRecords read consistency', () => {
  it('reads eventually first, and once when nothing goes wrong', async () => {
    await update(updates(), [replace('a', '1')]);
    expect(reads).toEqual([false]);
  });

  it('reads consistently when a rewrite step applies (the sync trigger is shown the dataset), or may (no appliesTo)', async () => {
    await update(updates(identityStep(true)), [replace('a', '1')]);
    await update(updates(identityStep(undefined)), [replace('a', '2', 1)]);
    expect(reads).toEqual([true, true]);
  });

  it('skips a rewrite step that does not apply, and reads eventually', async () => {
    let ran = false;
    const step: RewriteStep = Object.assign(
      async (checked: Parameters<RewriteStep>[0]) => {
        ran = true;
        return { patches: checked.patches, state: checked.state };
      },
      { appliesTo: async () => false },
    );
    await update(updates(step), [replace('a', '1')]);
    expect(ran).toBe(false);
    expect(reads).toEqual([false]);
  });

  it('a conflict shown by an eventual read is confirmed by a consistent one before it is reported', async () => {
    const service = updates();
    await update(service, [replace('a', '1')]);
    // The replica still shows the dataset before that write: the client's SyncCount 1 looks wrong there.
    staleNext = { records: new Map(), head: undefined };
    reads = [];
    const out = await update(service, [replace('a', '2', 1)]);
    expect(out.Records).toMatchObject([{ Key: 'a', Value: '2', SyncCount: 2 }]);
    expect(reads).toEqual([false, true]);
  });

  it('a real conflict is reported after the consistent read confirms it', async () => {
    const service = updates();
    await update(service, [replace('a', '1')]);
    await update(service, [replace('a', '2', 1)]);
    reads = [];
    await expect(update(service, [replace('a', 'late', 1)])).rejects.toMatchObject({ code: 'ResourceConflictException' });
    expect(reads).toEqual([false, true]);
  });

  it('a limit shown by an eventual read is confirmed by a consistent one before it is reported', async () => {
    const service = updates(undefined, { datasetsPerIdentity: 20, recordsPerDataset: 2, bytesPerDataset: 1000 });
    await update(service, [replace('a', '1'), replace('b', '2')]);
    // The replica still shows both records; one has been removed since, so a new one fits.
    const stale = await store.readForUpdate(ds, ['c']);
    await update(service, [{ Op: 'remove', Key: 'b', SyncCount: 1 }]);
    staleNext = stale;
    reads = [];
    const out = await update(service, [replace('c', '3')]);
    expect(out.Records).toMatchObject([{ Key: 'c', Value: '3' }]);
    expect(reads).toEqual([false, true]);
  });
});
