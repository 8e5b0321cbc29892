/** The console's per-minute counts (lambdas/local/console/per-minute.ts), which its charts draw. */
import { describe, expect, it } from 'vitest';
import { ActivityBus, type ActivityEvent, type StampedActivity } from '../../lambdas/local/console/activity';
import { perMinute } from '../../lambdas/local/console/per-minute';

const MINUTE = 60_000;
/** 12:34:30 UTC on a day: the current minute began at 12:34:00. */
const NOW = Date.UTC(2026, 10, 29, 12, 34, 30);
const sync = (kind: 'sync' | 'delete' = 'sync'): ActivityEvent => ({
  type: 'sync',
  kind,
  identityPoolId: 'us-east-1:pool',
  identityId: 'us-east-1:identity',
  datasetName: 'settings',
  syncCount: 1,
  recordsChanged: 1,
  dataStorage: 10,
});
const conflict: ActivityEvent = { type: 'conflict', path: '/identitypools/p/identities/i/datasets/d' };
let nextId = 1;
const at = (ms: number, event: ActivityEvent): StampedActivity => ({ ...event, at: ms, id: nextId++ }) as StampedActivity;

describe('perMinute', () => {
  it('counts syncs and conflicts in the whole UTC minute they fell in, the current minute last', () => {
    const events = [
      at(NOW, sync()),
      at(NOW - 30_000, sync()), // 12:34:00, the current minute's first millisecond
      at(NOW - 30_001, sync()), // 12:33:59.999: the minute before
      at(NOW - 10 * MINUTE, conflict),
      at(NOW - 10 * MINUTE + 1, conflict),
      at(NOW - 10 * MINUTE, sync('delete')), // a deletion is not a sync
      at(NOW - 2 * MINUTE, { type: 'push', device: 'arn', platform: 'GCM', payload: '{}', outcome: 'delivered' }),
    ];
    const counted = perMinute(events, NOW);
    expect(counted.minutes).toHaveLength(60);
    expect(counted.minutes.at(-1)).toBe(Date.UTC(2026, 10, 29, 12, 34) / 1000);
    expect(counted.minutes[0]).toBe(Date.UTC(2026, 10, 29, 11, 35) / 1000);
    expect(counted.syncs.at(-1)).toBe(2);
    expect(counted.syncs.at(-2)).toBe(1);
    expect(counted.conflicts.at(-11)).toBe(2);
    expect(counted.syncs.reduce((a, b) => a + b)).toBe(3);
    expect(counted.conflicts.reduce((a, b) => a + b)).toBe(2);
  });

  it('leaves out what is older than the hour shown, or later than now', () => {
    const counted = perMinute([at(NOW - 60 * MINUTE, sync()), at(NOW - 59 * MINUTE - 30_000, sync()), at(NOW + MINUTE, sync())], NOW);
    // 11:34:30 is before the first minute shown (11:35); 11:35:00 is its first millisecond.
    expect(counted.syncs[0]).toBe(1);
    expect(counted.syncs.reduce((a, b) => a + b)).toBe(1);
  });

  it('is zero for every minute of a quiet hour', () => {
    const counted = perMinute([], NOW, 5);
    expect(counted).toEqual({ minutes: counted.minutes, syncs: [0, 0, 0, 0, 0], conflicts: [0, 0, 0, 0, 0] });
  });
});

describe('ActivityBus', () => {
  // Ids start at the bus's start time (ms) times 1,000, so that they go on across restarts (console-event-stream.test.ts).
  const FIRST_ID = NOW * 1000 + 1;

  it('keeps the last hour, and tells each listener of each event with its time and an increasing id', () => {
    let now = NOW;
    const bus = new ActivityBus(() => now);
    const heard: StampedActivity[] = [];
    const unsubscribe = bus.subscribe((e) => heard.push(e));
    bus.publish(sync());
    now += 61 * MINUTE;
    bus.publish(conflict);
    unsubscribe();
    bus.publish(conflict);
    expect(heard.map((e) => [e.type, e.at, e.id])).toEqual([
      ['sync', NOW, FIRST_ID],
      ['conflict', NOW + 61 * MINUTE, FIRST_ID + 1],
    ]);
    // The sync is over an hour old: forgotten.
    expect(bus.recent().map((e) => e.id)).toEqual([FIRST_ID + 1, FIRST_ID + 2]);
  });

  it('a failing listener reaches neither the publisher nor the other listeners', () => {
    const bus = new ActivityBus(() => NOW);
    const heard: number[] = [];
    bus.subscribe(() => {
      throw new Error('browser gone');
    });
    bus.subscribe((e) => heard.push(e.id));
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      expect(() => bus.publish(conflict)).not.toThrow();
    } finally {
      console.warn = warn;
    }
    expect(heard).toEqual([FIRST_ID]);
  });
});
