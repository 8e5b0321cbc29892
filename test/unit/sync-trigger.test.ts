/**
 * The sync trigger's pure steps (the event, reading the answer, the patches it makes), the cache of
 * which function a pool names, and the Cognito Events map (merge, refusals, and that the pool
 * configuration keeps it), each without I/O.
 */
import { describe, expect, it } from 'vitest';
import { CognitoEventsSettings, eventsRefusal, mergeEvents } from '../../lambdas/src/domain/pools/cognito-events';
import { PoolConfigurations } from '../../lambdas/src/domain/pools/pool-configurations';
import { EVERY_POOL } from '../../lambdas/src/domain/pools/ports';
import { readTriggerOutput, rewrittenPatches, type SyncTriggerEvent, triggerEvent } from '../../lambdas/src/domain/records/sync-trigger';
import { CachedSyncTriggerLookup } from '../../lambdas/src/domain/records/sync-trigger-lookup';
import { isSyncError } from '../../lambdas/src/errors';
import { MemoryPoolSettings } from '../helpers/memory-pool-settings';

const POOL = 'us-east-1:11111111-2222-3333-4444-555555555555';
const dataset = { IdentityPoolId: POOL, IdentityId: 'us-east-1:aaaaaaaa-0000-0000-0000-000000000001', DatasetName: 'game' };
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:trigger';

const event = (): SyncTriggerEvent =>
  triggerEvent({
    region: 'us-east-1',
    dataset,
    live: new Map([
      ['kept', 'k'],
      ['changed', 'old'],
    ]),
    patches: [
      { Op: 'replace', Key: 'changed', Value: 'new', SyncCount: 1 },
      { Op: 'replace', Key: 'fresh', SyncCount: 0 },
    ],
  });

const codeOf = (run: () => unknown): string => {
  try {
    run();
    return 'returned';
  } catch (e) {
    return isSyncError(e) ? e.code : String(e);
  }
};

describe('triggerEvent', () => {
  it('lists every live record, the patches over them, a replace without Value as the empty string', () => {
    expect(event()).toEqual({
      version: 2,
      eventType: 'SyncTrigger',
      region: 'us-east-1',
      identityPoolId: POOL,
      identityId: dataset.IdentityId,
      datasetName: 'game',
      datasetRecords: {
        kept: { oldValue: 'k', newValue: 'k', op: 'replace' },
        changed: { oldValue: 'old', newValue: 'new', op: 'replace' },
        fresh: { oldValue: null, newValue: '', op: 'replace' },
      },
    });
  });
});

describe('readTriggerOutput', () => {
  const sent = event();
  const answer = (change: (e: Record<string, unknown>) => void): string => {
    const copy = JSON.parse(JSON.stringify(sent));
    change(copy);
    return JSON.stringify(copy);
  };

  it('reads replace as the new value and remove, or a null newValue, as a removal', () => {
    const out = readTriggerOutput(
      answer((e) => {
        e.datasetRecords = {
          a: { op: 'replace', newValue: '1' },
          b: { op: 'remove', newValue: 'ignored' },
          c: { op: 'replace', newValue: null },
        };
      }),
      sent,
    );
    expect([...out]).toEqual([
      ['a', '1'],
      ['b', undefined],
      ['c', undefined],
    ]);
  });

  it.each(['version', 'eventType', 'region', 'identityPoolId', 'identityId', 'datasetName'])('refuses a changed or missing %s', (field) => {
    expect(
      codeOf(() =>
        readTriggerOutput(
          answer((e) => Object.assign(e, { [field]: 'changed' })),
          sent,
        ),
      ),
    ).toBe('InvalidLambdaFunctionOutputException');
    expect(
      codeOf(() =>
        readTriggerOutput(
          answer((e) => delete e[field]),
          sent,
        ),
      ),
    ).toBe('InvalidLambdaFunctionOutputException');
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '"event"'],
    ['null', 'null'],
    ['an array', '[]'],
  ])('refuses an answer that is %s', (_what, payload) => {
    expect(codeOf(() => readTriggerOutput(payload, sent))).toBe('InvalidLambdaFunctionOutputException');
  });

  it.each([
    ['datasetRecords not an object', (e: Record<string, unknown>) => Object.assign(e, { datasetRecords: [] })],
    ['a record not an object', (e: Record<string, unknown>) => Object.assign(e, { datasetRecords: { a: 'x' } })],
    ['an unknown op', (e: Record<string, unknown>) => Object.assign(e, { datasetRecords: { a: { op: 'add', newValue: 'x' } } })],
    ['a number value', (e: Record<string, unknown>) => Object.assign(e, { datasetRecords: { a: { op: 'replace', newValue: 1 } } })],
    ['an empty key', (e: Record<string, unknown>) => Object.assign(e, { datasetRecords: { '': { op: 'replace', newValue: 'x' } } })],
    ['a key too long', (e: Record<string, unknown>) => Object.assign(e, { datasetRecords: { ['k'.repeat(1025)]: { op: 'replace', newValue: 'x' } } })],
  ])('refuses %s', (_what, change) => {
    expect(codeOf(() => readTriggerOutput(answer(change), sent))).toBe('InvalidLambdaFunctionOutputException');
  });
});

describe('rewrittenPatches', () => {
  const live = new Map([
    ['score', '10'],
    ['other', 'o'],
    ['stale', 's'],
  ]);
  const device = new Date(1_400_000_000_000);
  const requested = [
    { Op: 'replace' as const, Key: 'score', Value: '250', SyncCount: 3, DeviceLastModifiedDate: device },
    { Op: 'replace' as const, Key: 'dropped', Value: 'd', SyncCount: 0 },
  ];

  it('writes the requested keys the function kept, with its values, and every other key it changed', () => {
    const result = new Map<string, string | undefined>([
      ['score', '10'],
      ['other', 'o'],
      ['stale', undefined],
      ['added', 'a'],
      ['never', undefined],
    ]);
    expect(rewrittenPatches({ requested, live, result, syncCountOf: (key) => (key === 'stale' ? 2 : 0) })).toEqual([
      // Kept at its old value: still written, so that the device learns it.
      { Op: 'replace', Key: 'score', Value: '10', SyncCount: 3, DeviceLastModifiedDate: device },
      { Op: 'remove', Key: 'stale', SyncCount: 2 },
      { Op: 'replace', Key: 'added', Value: 'a', SyncCount: 0 },
    ]);
  });
});

describe('CachedSyncTriggerLookup', () => {
  const setup = () => {
    let now = 0;
    let reads = 0;
    let arn: string | undefined = ARN;
    const lookup = new CachedSyncTriggerLookup(
      async () => {
        reads++;
        if (arn === 'fail') throw new Error('read failed');
        return arn;
      },
      { now: () => now },
      1_000,
    );
    return {
      lookup,
      reads: () => reads,
      advance: (ms: number) => {
        now += ms;
      },
      set: (next: string | undefined) => {
        arn = next;
      },
    };
  };

  it('reads a pool once within its time to live, again after it, and at once after forget', async () => {
    const t = setup();
    expect(await t.lookup.functionFor(POOL)).toBe(ARN);
    t.set(undefined);
    t.advance(999);
    expect(await t.lookup.functionFor(POOL)).toBe(ARN);
    expect(t.reads()).toBe(1);
    t.advance(1);
    expect(await t.lookup.functionFor(POOL)).toBeUndefined();
    expect(t.reads()).toBe(2);
    t.set(ARN);
    t.lookup.forget(POOL);
    expect(await t.lookup.functionFor(POOL)).toBe(ARN);
    expect(t.reads()).toBe(3);
  });

  it('does not keep a failed read', async () => {
    const t = setup();
    t.set('fail');
    await expect(t.lookup.functionFor(POOL)).rejects.toThrow('read failed');
    t.set(ARN);
    expect(await t.lookup.functionFor(POOL)).toBe(ARN);
  });
});

describe('Cognito Events', () => {
  it('merge: keys given replace, an empty value removes, keys not given stay', () => {
    expect(mergeEvents({ SyncTrigger: ARN }, {})).toEqual({ SyncTrigger: ARN });
    expect(mergeEvents({}, { SyncTrigger: ARN })).toEqual({ SyncTrigger: ARN });
    expect(mergeEvents({ SyncTrigger: ARN }, { SyncTrigger: '' })).toEqual({});
  });

  it('refuse another event type and a value that is not a function ARN', () => {
    expect(eventsRefusal({ SyncTrigger: ARN })).toBeUndefined();
    expect(eventsRefusal({ SyncTrigger: `${ARN}:live` })).toBeUndefined();
    expect(eventsRefusal({ SyncTrigger: '' })).toBeUndefined();
    expect(eventsRefusal({ PreSync: ARN })).toContain('SyncTrigger');
    expect(eventsRefusal({ SyncTrigger: 'trigger' })).toContain('not a Lambda function ARN');
    expect(eventsRefusal({ SyncTrigger: 'arn:aws:sns:us-east-1:123456789012:function:trigger' })).toBeDefined();
  });

  it('live beside the pool configuration: a Set of either keeps the other', async () => {
    const store = new MemoryPoolSettings();
    let forgotten = '';
    const events = new CognitoEventsSettings({ store, directory: EVERY_POOL, changed: (pool) => (forgotten = pool) });
    const configurations = new PoolConfigurations({ store, directory: EVERY_POOL });
    await events.set({ IdentityPoolId: POOL, Events: { SyncTrigger: ARN } });
    expect(forgotten).toBe(POOL);
    const streams = { StreamName: 's', StreamingStatus: 'ENABLED' as const };
    expect(await configurations.set({ IdentityPoolId: POOL, CognitoStreams: streams })).toEqual({ IdentityPoolId: POOL, CognitoStreams: streams });
    expect(await events.get({ IdentityPoolId: POOL })).toEqual({ Events: { SyncTrigger: ARN } });
    await events.set({ IdentityPoolId: POOL, Events: { SyncTrigger: '' } });
    expect(await configurations.get({ IdentityPoolId: POOL })).toEqual({ IdentityPoolId: POOL, CognitoStreams: streams });
    expect(await events.get({ IdentityPoolId: POOL })).toEqual({ Events: {} });
  });
});
