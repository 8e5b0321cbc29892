/**
 * The batch helpers of the DynamoDB adapter retry what DynamoDB leaves unprocessed under load,
 * rather than dropping it. A fake document client answers part of each call as unprocessed.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { batchGet, batchPut, mapLimit } from '../../lambdas/src/adapters/dynamodb/batch';
import type { Item } from '../../lambdas/src/adapters/dynamodb/items';

const TABLE = 't';

/** A busy table: every batch call of more than one item leaves its last item unprocessed. */
function busyTable() {
  const stored = new Map<string, Item>();
  /** How many items each call carried. */
  const calls: number[] = [];
  const leaveLast = <T>(all: T[]): [T[], T[]] => (all.length > 1 ? [all.slice(0, -1), all.slice(-1)] : [all, []]);
  const send = async (command: { constructor: { name: string }; input: { RequestItems: Record<string, unknown> } }) => {
    if (command.constructor.name === 'BatchWriteCommand') {
      const requests = command.input.RequestItems[TABLE] as { PutRequest: { Item: Item } }[];
      calls.push(requests.length);
      const [done, left] = leaveLast(requests);
      for (const { PutRequest } of done) stored.set(PutRequest.Item.SK as string, PutRequest.Item);
      return { UnprocessedItems: left.length > 0 ? { [TABLE]: left } : {} };
    }
    const keys = (command.input.RequestItems[TABLE] as { Keys: Item[] }).Keys;
    calls.push(keys.length);
    const [done, left] = leaveLast(keys);
    const found = done.flatMap((key) => stored.get(key.SK as string) ?? []);
    return { Responses: { [TABLE]: found }, UnprocessedKeys: left.length > 0 ? { [TABLE]: { Keys: left } } : {} };
  };
  return { table: { doc: { send } as unknown as DynamoDBDocumentClient, tableName: TABLE }, stored, calls };
}

describe('DynamoDB batch helpers', () => {
  it('batchPut writes every item, retrying the unprocessed ones, 25 to a call at most', async () => {
    const fake = busyTable();
    const items = Array.from({ length: 30 }, (_, i) => ({ PK: 'p', SK: `s${i}` }));
    await batchPut(fake.table, items);
    expect([...fake.stored.keys()].sort()).toEqual(items.map((item) => item.SK).sort());
    expect(fake.calls).toEqual([25, 1, 5, 1]);
  });

  it('batchGet returns every item, retrying the unprocessed keys', async () => {
    const fake = busyTable();
    const items = Array.from({ length: 5 }, (_, i) => ({ PK: 'p', SK: `s${i}` }));
    await batchPut(fake.table, items);
    fake.calls.length = 0;
    const found = await batchGet(fake.table, items);
    expect(found.map((item) => item.SK).sort()).toEqual(items.map((item) => item.SK).sort());
    expect(fake.calls).toEqual([5, 1]);
  });

  it('mapLimit keeps the order of its results and at most `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
