/**
 * UpdateRecords' DynamoDB round trips with a sync trigger configured, on DynamoDB Local: the
 * function here is in memory (the invocation is not a DynamoDB call); what is counted is what the
 * trigger adds to the store's two calls (test/integration/store.test.ts holds those).
 *
 * The store here has the default threshold, so these small datasets live in one item
 * (docs/decisions.md#small-datasets-live-in-one-item). With a trigger: GetItem of the head (the
 * conflict check, which also holds the dataset's live records for the event) and UpdateItem (the
 * commit), as without one. A dataset kept one item per record is listed for the event (GetItem,
 * Query, GetItem). A function that writes a key the request did not carry adds a read of that key's
 * version. The pool's trigger is read once per SYNC_TRIGGER_TTL_MS per process, not per call.
 */
import { describe, expect, it } from 'vitest';
import { DynamoDBSyncStore, type DynamoDBSyncStoreOptions } from '../../lambdas/src/adapters/dynamodb/sync-store';
import { systemClock } from '../../lambdas/src/domain/ports';
import { CachedSyncTriggerLookup } from '../../lambdas/src/domain/records/sync-trigger-lookup';
import { type FunctionInvoker, syncTriggerStep } from '../../lambdas/src/domain/records/sync-trigger-step';
import type { SyncTriggerEvent } from '../../lambdas/src/domain/records/sync-trigger';
import { CognitoSyncService } from '../../lambdas/src/domain/sync-service';
import { TokenCodec } from '../../lambdas/src/domain/tokens';
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import { freshTable } from '../helpers/dynamodb-local';
import { countCalls, datasetOf, identityPrincipal, replace, TOKEN_KEY } from '../helpers/sync-fixture';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:trigger';

async function fixture(rewriteEvent: (event: SyncTriggerEvent) => void, storeOptions: DynamoDBSyncStoreOptions = {}) {
  const { tableName, endpoint } = await freshTable('trigger');
  const client = createDynamoDBLocalClient(endpoint);
  const calls = countCalls(client);
  const store = new DynamoDBSyncStore(client, tableName, storeOptions);
  let poolReads = 0;
  const triggers = new CachedSyncTriggerLookup(async () => {
    poolReads++;
    return ARN;
  }, systemClock);
  const invoker: FunctionInvoker = {
    invoke: async (_arn, payload) => {
      const event = JSON.parse(payload) as SyncTriggerEvent;
      rewriteEvent(event);
      return JSON.stringify(event);
    },
  };
  const service = new CognitoSyncService({
    store,
    clock: systemClock,
    tokens: new TokenCodec(TOKEN_KEY),
    rewrite: syncTriggerStep({ region: 'us-east-1', triggers, invoker, store }),
  });
  return { service, calls, poolReads: () => poolReads, close: () => client.destroy() };
}

describe('UpdateRecords round trips with a sync trigger', () => {
  it('2 rounds in one item: the conflict check (which holds the live records), the commit; the trigger setting from the cache', async () => {
    const seen: SyncTriggerEvent['datasetRecords'][] = [];
    const f = await fixture((event) => seen.push(structuredClone(event.datasetRecords)));
    const id = 'us-east-1:aaaaaaaa-0000-0000-0000-00000000aa01';
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '1'), replace('gone', 'x')] });
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [{ Op: 'remove', Key: 'gone', SyncCount: 1 }] });

    f.calls.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('b', '2')] });
    expect(f.calls.sent).toEqual(['GetItemCommand', 'UpdateItemCommand']);
    expect(f.calls.maxInFlight).toBe(1);
    expect(f.poolReads()).toBe(1);
    // The event still carries the dataset's live records (not the tombstone), as when they were listed.
    expect(seen.at(-1)).toEqual({ a: { oldValue: '1', newValue: '1', op: 'replace' }, b: { oldValue: null, newValue: '2', op: 'replace' } });
    f.close();
  });

  it('a dataset kept one item per record is listed for the event: GetItem, Query, GetItem between the check and the commit', async () => {
    const seen: SyncTriggerEvent['datasetRecords'][] = [];
    const f = await fixture((event) => seen.push(structuredClone(event.datasetRecords)), { singleItemMaxBytes: 0 });
    const id = 'us-east-1:aaaaaaaa-0000-0000-0000-00000000aa04';
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '1')] });

    f.calls.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('b', '2')] });
    expect(f.calls.sent).toEqual(['GetItemCommand', 'BatchGetItemCommand', 'GetItemCommand', 'QueryCommand', 'GetItemCommand', 'TransactWriteItemsCommand']);
    expect(seen.at(-1)).toEqual({ a: { oldValue: '1', newValue: '1', op: 'replace' }, b: { oldValue: null, newValue: '2', op: 'replace' } });
    f.close();
  });

  it('a new dataset has no records to read: the calls of a creation without a trigger', async () => {
    const f = await fixture(() => {});
    const id = 'us-east-1:aaaaaaaa-0000-0000-0000-00000000aa02';
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    f.calls.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '1')] });
    // The head, then the identity's dataset count (a creation), then one transaction.
    expect(f.calls.sent).toEqual(['GetItemCommand', 'BatchGetItemCommand', 'TransactWriteItemsCommand']);
    f.close();
  });

  it('one more read when the function writes a key the request did not carry', async () => {
    const f = await fixture((event) => {
      event.datasetRecords.added = { oldValue: null, newValue: 'x', op: 'replace' };
    });
    const id = 'us-east-1:aaaaaaaa-0000-0000-0000-00000000aa03';
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    f.calls.reset();
    const out = await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '1')] });
    expect(out.Records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([
      ['a', '1', 1],
      ['added', 'x', 1],
    ]);
    // A creation (head, dataset count), then the same again for the added key's version, then the commit.
    expect(f.calls.sent).toEqual(['GetItemCommand', 'BatchGetItemCommand', 'GetItemCommand', 'BatchGetItemCommand', 'TransactWriteItemsCommand']);
    f.close();
  });
});
