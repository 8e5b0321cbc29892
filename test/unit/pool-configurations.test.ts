/**
 * The pools capability alone, over its narrow ports in memory: what Get answers for a pool never
 * configured, partial updates (a member present replaces, an absent one stays), an unknown pool, and
 * a Set that loses its conditional write merging again over the winner's settings.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { mergeSettings, PoolConfigurations, SET_ATTEMPTS } from '../../lambdas/src/domain/pools/pool-configurations';
import type { PoolDirectory } from '../../lambdas/src/domain/pools/ports';
import { isSyncError } from '../../lambdas/src/errors';
import { MemoryPoolSettings } from '../helpers/memory-pool-settings';

const POOL = 'us-east-1:11111111-2222-3333-4444-555555555555';
const push = { ApplicationArns: ['arn:aws:sns:us-east-1:123456789012:app/GCM/app'], RoleArn: 'arn:aws:iam::123456789012:role/push' };
const streams = { StreamName: 'sync', RoleArn: 'arn:aws:iam::123456789012:role/streams', StreamingStatus: 'ENABLED' as const };
const knownPools = (...ids: string[]): PoolDirectory => ({ exists: async (id) => ids.includes(id) });

let store: MemoryPoolSettings;
let pools: PoolConfigurations;

beforeEach(() => {
  store = new MemoryPoolSettings();
  pools = new PoolConfigurations({ store, directory: knownPools(POOL) });
});

const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (isSyncError(e) ? e.code : String(e)),
  );

describe('PoolConfigurations', () => {
  it('answers only the pool id for a pool never configured', async () => {
    expect(await pools.get({ IdentityPoolId: POOL })).toEqual({ IdentityPoolId: POOL });
  });

  it('stores a Set and answers it, from Set and from Get', async () => {
    const set = await pools.set({ IdentityPoolId: POOL, PushSync: push, CognitoStreams: streams });
    expect(set).toEqual({ IdentityPoolId: POOL, PushSync: push, CognitoStreams: streams });
    expect(await pools.get({ IdentityPoolId: POOL })).toEqual(set);
  });

  it('keeps a member the Set does not name, and replaces one it names whole', async () => {
    await pools.set({ IdentityPoolId: POOL, PushSync: push, CognitoStreams: streams });
    await pools.set({ IdentityPoolId: POOL, CognitoStreams: { StreamingStatus: 'DISABLED' } });
    expect(await pools.get({ IdentityPoolId: POOL })).toEqual({ IdentityPoolId: POOL, PushSync: push, CognitoStreams: { StreamingStatus: 'DISABLED' } });
  });

  it('refuses an unknown pool with ResourceNotFoundException, and writes nothing', async () => {
    const other = 'us-east-1:99999999-2222-3333-4444-555555555555';
    expect(await codeOf(pools.get({ IdentityPoolId: other }))).toBe('ResourceNotFoundException');
    expect(await codeOf(pools.set({ IdentityPoolId: other, PushSync: push }))).toBe('ResourceNotFoundException');
    expect(store.items.size).toBe(0);
  });

  it('merges again over a racing writer that got there first, so both apply', async () => {
    let raced = false;
    store.beforeReplace = async (id) => {
      if (raced) return;
      raced = true;
      // Another Set commits between this one's read and its write.
      await store.replace(id, { CognitoStreams: streams }, 0);
    };
    await pools.set({ IdentityPoolId: POOL, PushSync: push });
    expect(await pools.get({ IdentityPoolId: POOL })).toEqual({ IdentityPoolId: POOL, PushSync: push, CognitoStreams: streams });
  });

  it('gives up with ConcurrentModificationException when every attempt loses, having written nothing of its own', async () => {
    let writes = 0;
    store.beforeReplace = async (id) => {
      const { settings, version } = await store.read(id);
      store.items.set(id, { settings: { ...settings, CognitoStreams: { StreamName: `s${++writes}` } }, version: version + 1 });
    };
    expect(await codeOf(pools.set({ IdentityPoolId: POOL, PushSync: push }))).toBe('ConcurrentModificationException');
    expect(writes).toBe(SET_ATTEMPTS);
    expect((await store.read(POOL)).settings.PushSync).toBeUndefined();
  });
});

describe('mergeSettings', () => {
  it('answers no member that neither side has', () => {
    expect(mergeSettings({}, {})).toEqual({});
  });
});
