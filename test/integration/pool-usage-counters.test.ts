/**
 * The usage counters (a change-feed consumer) on DynamoDB Local: committed syncs of many identities
 * of one pool, delivered at least once, out of order and by concurrent consumers, leave exact totals.
 */
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import { DynamoDBPoolUsageStore } from '../../lambdas/src/adapters/dynamodb/pool-usage-store';
import type { CommittedSync } from '../../lambdas/src/domain/feed/committed-sync';
import { UsageCounters } from '../../lambdas/src/domain/pools/usage-counters';
import { Rng } from '../fuzz/prng';
import { freshTable, type FreshTable } from '../helpers/dynamodb-local';

let table: FreshTable;
let store: DynamoDBPoolUsageStore;

beforeAll(async () => {
  table = await freshTable('pool-usage');
  store = new DynamoDBPoolUsageStore(table.client, table.tableName);
});

afterAll(() => table?.client.destroy());

const newPool = () => `us-east-1:${randomUUID()}`;
const T0 = Date.UTC(2026, 0, 1);

interface History {
  readonly events: CommittedSync[];
  readonly dataStorage: number;
  readonly syncSessions: number;
  readonly lastModifiedDate: number;
}

/**
 * What the sync path would have committed: per dataset, syncs raising the count by one (new bytes
 * each time), and now and then a deletion (stamped with the last count; bytes to 0) and a re-creation
 * that continues from it. The expected totals follow from the final state of each dataset.
 */
function history(pool: string, rng: Rng, identities: number, datasetsPerIdentity: number, commitsPerDataset: number): History {
  const events: CommittedSync[] = [];
  let dataStorage = 0;
  let syncSessions = 0;
  let clock = T0;
  for (let i = 0; i < identities; i++) {
    const identityId = `us-east-1:${randomUUID()}`;
    for (let d = 0; d < datasetsPerIdentity; d++) {
      const datasetName = `ds-${d}`;
      let syncCount = 0;
      let bytes = 0;
      for (let c = 0; c < commitsPerDataset; c++) {
        clock += 1 + Math.floor(rng.next() * 1000);
        const base = { identityPoolId: pool, identityId, datasetName, lastModifiedBy: identityId, lastModifiedDate: clock };
        if (bytes > 0 && rng.next() < 0.2) {
          events.push({ ...base, kind: 'delete', syncCount, previousSyncCount: syncCount, dataStorage: 0, previousDataStorage: bytes });
          bytes = 0;
          continue;
        }
        const next = Math.floor(rng.next() * 5000);
        events.push({ ...base, kind: 'sync', syncCount: syncCount + 1, previousSyncCount: syncCount, dataStorage: next, previousDataStorage: bytes });
        syncCount += 1;
        bytes = next;
      }
      dataStorage += bytes;
      syncSessions += syncCount;
    }
  }
  return { events, dataStorage, syncSessions, lastModifiedDate: clock };
}

/** Every event once or more (a retried batch, a restarted poller), shuffled. */
function deliveries(events: readonly CommittedSync[], rng: Rng): CommittedSync[] {
  const out = events.flatMap((event) => Array.from({ length: 1 + Math.floor(rng.next() * 3) }, () => event));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** `consumers` consumers taking deliveries from one queue at once: the same dataset races with itself. */
async function deliver(queue: CommittedSync[], consumers: number): Promise<void> {
  const counters = new UsageCounters(store);
  let next = 0;
  await Promise.all(
    Array.from({ length: consumers }, async () => {
      while (next < queue.length) await counters.consume(queue[next++]);
    }),
  );
}

const totalsOf = async (pool: string) => (await store.totals([pool]))[0];

describe('usage counters', () => {
  it('count each committed sync once: concurrent writers of one pool, events redelivered and reordered', async () => {
    const pool = newPool();
    const rng = new Rng(20140630);
    const h = history(pool, rng, 12, 3, 6);
    await deliver(deliveries(h.events, rng), 12);
    expect(await totalsOf(pool)).toEqual({ syncSessions: h.syncSessions, dataStorage: h.dataStorage, lastModifiedDate: h.lastModifiedDate });
  });

  it('count a redelivered batch once, even when it comes back after later events', async () => {
    const pool = newPool();
    const h = history(pool, new Rng(7), 2, 2, 5);
    await deliver(h.events, 1);
    const first = await totalsOf(pool);
    // The whole feed again, newest first: every event is at or below its dataset's mark.
    await deliver([...h.events].reverse(), 4);
    expect(await totalsOf(pool)).toEqual(first);
    expect(first).toEqual({ syncSessions: h.syncSessions, dataStorage: h.dataStorage, lastModifiedDate: h.lastModifiedDate });
  });

  it('lose nothing when an older event arrives after a newer one of the same dataset', async () => {
    const pool = newPool();
    const identityId = `us-east-1:${randomUUID()}`;
    const base = { kind: 'sync', identityPoolId: pool, identityId, datasetName: 'settings', lastModifiedBy: identityId } as const;
    const first: CommittedSync = { ...base, syncCount: 1, previousSyncCount: 0, dataStorage: 10, previousDataStorage: 0, lastModifiedDate: T0 + 1 };
    const second: CommittedSync = { ...base, syncCount: 2, previousSyncCount: 1, dataStorage: 25, previousDataStorage: 10, lastModifiedDate: T0 + 2 };
    await deliver([second, first], 1);
    expect(await totalsOf(pool)).toEqual({ syncSessions: 2, dataStorage: 25, lastModifiedDate: T0 + 2 });
  });

  it('take a deletion after the sync it is stamped with, and a re-creation after both', async () => {
    const pool = newPool();
    const identityId = `us-east-1:${randomUUID()}`;
    const base = { identityPoolId: pool, identityId, datasetName: 'settings', lastModifiedBy: identityId } as const;
    const sync: CommittedSync = {
      ...base,
      kind: 'sync',
      syncCount: 3,
      previousSyncCount: 2,
      dataStorage: 40,
      previousDataStorage: 30,
      lastModifiedDate: T0 + 1,
    };
    const deletion: CommittedSync = {
      ...base,
      kind: 'delete',
      syncCount: 3,
      previousSyncCount: 3,
      dataStorage: 0,
      previousDataStorage: 40,
      lastModifiedDate: T0 + 2,
    };
    const again: CommittedSync = {
      ...base,
      kind: 'sync',
      syncCount: 4,
      previousSyncCount: 3,
      dataStorage: 7,
      previousDataStorage: 0,
      lastModifiedDate: T0 + 3,
    };
    await deliver([deletion, sync, deletion], 1);
    expect(await totalsOf(pool)).toEqual({ syncSessions: 3, dataStorage: 0, lastModifiedDate: T0 + 2 });
    await deliver([again, sync, deletion], 1);
    expect(await totalsOf(pool)).toEqual({ syncSessions: 4, dataStorage: 7, lastModifiedDate: T0 + 3 });
  });

  it('answer zeros and no date for a pool never counted, and keep pools apart', async () => {
    const [counted, never] = [newPool(), newPool()];
    const h = history(counted, new Rng(3), 1, 1, 2);
    await deliver(h.events, 1);
    const [a, b] = await store.totals([never, counted]);
    expect(b.dataStorage).toBe(h.dataStorage);
    expect(a).toEqual({ syncSessions: 0, dataStorage: 0 });
  });

  it('read again and count once when DynamoDB cancels a transaction for a conflict on the shard', async () => {
    const client = createDynamoDBLocalClient(table.endpoint);
    let conflicts = 2;
    // What DynamoDB answers when another transaction holds the shard at that moment (DynamoDB Local serializes them).
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && conflicts > 0) {
          conflicts--;
          throw new TransactionCanceledException({
            message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]',
            $metadata: {},
            CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'transactionConflict' },
    );
    try {
      const pool = newPool();
      const h = history(pool, new Rng(11), 1, 1, 3);
      const counters = new UsageCounters(new DynamoDBPoolUsageStore(client, table.tableName));
      for (const event of h.events) await counters.consume(event);
      expect(conflicts).toBe(0);
      expect(await totalsOf(pool)).toEqual({ syncSessions: h.syncSessions, dataStorage: h.dataStorage, lastModifiedDate: h.lastModifiedDate });
    } finally {
      client.destroy();
    }
  });
});
