/**
 * RecordUpdates alone, over the narrow port it needs (readForUpdate and commitUpdate of the
 * in-memory store), and the seam where the sync trigger will run: after the conflict check, before
 * the write, its output checked like the request's.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DatasetRef, Principal, RecordPatch } from '../../lambdas/src/domain/model';
import type { UpdateWriter } from '../../lambdas/src/domain/records/ports';
import type { CheckedUpdate, RewriteStep } from '../../lambdas/src/domain/records/update-planner';
import { RecordUpdates } from '../../lambdas/src/domain/records/update-records';
import { SyncSessionTokens, TokenCodec } from '../../lambdas/src/domain/tokens';
import { isSyncError, type SyncError } from '../../lambdas/src/errors';
import { MemoryStore } from '../helpers/memory-store';

const ds: DatasetRef = { IdentityPoolId: 'us-east-1:pool', IdentityId: 'us-east-1:id', DatasetName: 'settings' };
const identity: Principal = { kind: 'identity', accountId: '123456789012', identityPoolId: ds.IdentityPoolId, identityId: ds.IdentityId };
const NOW = 1_700_000_000_000;
const clock = { now: () => NOW };
const tokens = new TokenCodec(Buffer.alloc(32, 7));
const SyncSessionToken = new SyncSessionTokens(tokens).issue(ds, NOW);
const limits = { datasetsPerIdentity: 3, recordsPerDataset: 4, bytesPerDataset: 100 };

const replace = (Key: string, Value: string, SyncCount = 0): RecordPatch => ({ Op: 'replace', Key, Value, SyncCount });

let store: MemoryStore;
/** What the rewrite step was given, one entry per call. */
let seen: CheckedUpdate[];

beforeEach(() => {
  store = new MemoryStore();
  seen = [];
});

/** RecordUpdates over only the part of the store it uses. */
function updates(rewrite?: RewriteStep): RecordUpdates {
  const port: UpdateWriter = { readForUpdate: (d, k) => store.readForUpdate(d, k), commitUpdate: (c) => store.commitUpdate(c) };
  return new RecordUpdates({ store: port, clock, tokens, limits, ...(rewrite ? { rewrite } : {}) });
}

const update = (service: RecordUpdates, patches: RecordPatch[]) => service.updateRecords(identity, { ...ds, SyncSessionToken, RecordPatches: patches });

async function rejection(p: Promise<unknown>): Promise<SyncError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isSyncError(e)).toBe(true);
  return e as SyncError;
}

/** A rewrite that records its calls and upper-cases every value. */
const upperCase: RewriteStep = async (checked) => {
  seen.push(checked);
  return { patches: checked.patches.map((p) => ({ ...p, Value: p.Value?.toUpperCase() })), state: checked.state };
};

describe('RecordUpdates over its narrow port', () => {
  it('writes and echoes an update without a rewrite step', async () => {
    const out = await update(updates(), [replace('a', 'x')]);
    expect(out.Records).toMatchObject([{ Key: 'a', Value: 'x', SyncCount: 1 }]);
    expect(store.commits).toBe(1);
  });
});

describe('the sync trigger seam (rewrite)', () => {
  it('runs after the conflict check: a stale update is refused without calling it', async () => {
    await update(updates(), [replace('a', 'x')]);
    const e = await rejection(update(updates(upperCase), [replace('a', 'y', 0)]));
    expect(e.code).toBe('ResourceConflictException');
    expect(seen).toHaveLength(0);
    expect(store.commits).toBe(1);
  });

  it('sees the checked patches and state, and what it returns is what is written and echoed', async () => {
    const out = await update(updates(upperCase), [replace('a', 'x')]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ principal: identity, dataset: ds, patches: [replace('a', 'x')] });
    expect(out.Records).toMatchObject([{ Key: 'a', Value: 'X', SyncCount: 1 }]);
    const written = store.records.get(`${ds.IdentityPoolId}/${ds.IdentityId}/${ds.DatasetName}`)?.get('a');
    expect(written?.value).toBe('X');
  });

  it('checks what it returns like the request: duplicate keys and the dataset limits, writing nothing', async () => {
    const duplicating: RewriteStep = async ({ patches, state }) => ({ patches: [...patches, patches[0]], state });
    expect((await rejection(update(updates(duplicating), [replace('a', 'x')]))).code).toBe('InvalidParameterException');
    const inflating: RewriteStep = async ({ patches, state }) => ({ patches: patches.map((p) => ({ ...p, Value: 'v'.repeat(100) })), state });
    expect((await rejection(update(updates(inflating), [replace('a', 'x')]))).code).toBe('LimitExceededException');
    expect(store.commits).toBe(0);
  });

  it('runs again on the newer state when another write moved the dataset before the commit', async () => {
    await update(updates(), [replace('a', 'x'), replace('b', 'x')]);
    let raced = false;
    store.beforeCommit = async () => {
      if (raced) return;
      raced = true;
      await update(updates(), [replace('b', 'other', 1)]);
    };
    const out = await update(updates(upperCase), [replace('a', 'mine', 1)]);
    expect(out.Records).toMatchObject([{ Key: 'a', Value: 'MINE', SyncCount: 3 }]);
    expect(seen.map((s) => s.state.head?.syncCount)).toEqual([1, 2]);
  });
});
