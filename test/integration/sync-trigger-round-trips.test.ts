/**
 * UpdateRecords' DynamoDB round trips with a sync trigger configured, on DynamoDB Local: the
 * function here is in memory (the invocation is not a DynamoDB call); what is counted is what the
 * trigger adds to the store's two calls (test/integration/store.test.ts holds those).
 *
 * With a trigger: BatchGetItem (the conflict check), one round of GetItem + Query in parallel (the
 * dataset's live records, for the event), TransactWriteItems (the commit): 3 rounds. A function
 * that writes a key the request did not carry adds one BatchGetItem (that key's version). The pool's
 * trigger is read once per SYNC_TRIGGER_TTL_MS per process, not per call.
 */
import { describe, expect, it } from 'vitest';
import { DynamoDBSyncStore } from '../../lambdas/src/adapters/dynamodb/sync-store';
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

async function fixture(rewriteEvent: (event: SyncTriggerEvent) => void) {
  const { tableName, endpoint } = await freshTable('trigger');
  const client = createDynamoDBLocalClient(endpoint);
  const calls = countCalls(client);
  const store = new DynamoDBSyncStore(client, tableName);
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
  it('3 rounds: the conflict check, the live records (2 in parallel), the commit; the trigger setting from the cache', async () => {
    const f = await fixture(() => {});
    const id = 'us-east-1:aaaaaaaa-0000-0000-0000-00000000aa01';
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '1')] });

    f.calls.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('b', '2')] });
    expect(f.calls.sent.slice(0, 1)).toEqual(['BatchGetItemCommand']);
    expect([...f.calls.sent.slice(1, 3)].sort()).toEqual(['GetItemCommand', 'QueryCommand']);
    expect(f.calls.sent.slice(3)).toEqual(['TransactWriteItemsCommand']);
    expect(f.calls.maxInFlight).toBe(2);
    expect(f.poolReads()).toBe(1);
    f.close();
  });

  it('a new dataset has no records to read: 2 calls, as without a trigger', async () => {
    const f = await fixture(() => {});
    const id = 'us-east-1:aaaaaaaa-0000-0000-0000-00000000aa02';
    const dataset = datasetOf(id);
    const principal = identityPrincipal(id);
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    f.calls.reset();
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '1')] });
    expect(f.calls.sent).toEqual(['BatchGetItemCommand', 'TransactWriteItemsCommand']);
    f.close();
  });

  it('one more BatchGetItem when the function writes a key the request did not carry', async () => {
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
    expect(f.calls.sent).toEqual(['BatchGetItemCommand', 'BatchGetItemCommand', 'TransactWriteItemsCommand']);
    f.close();
  });
});
