/**
 * Many items at a time: BatchGetItem and BatchWriteItem over any number of items (chunked to
 * DynamoDB's per-call caps, retrying what DynamoDB leaves unprocessed under load), and single-item
 * calls with a bounded number in flight, for writes a batch cannot carry (conditions).
 */
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { sleep } from '../../common/sleep';
import type { Item } from './items';
import type { TableHandle } from './table';

/** BatchGetItem takes 100 keys a call. */
const BATCH_GET_LIMIT = 100;
/** BatchWriteItem takes 25 requests a call. */
const BATCH_WRITE_LIMIT = 25;
/** Parallel single-item writes when applying a redo log or cleaning up. */
export const WRITE_CONCURRENCY = 16;

/** Back-off before retrying what a batch left unprocessed: DynamoDB does so when it is busy. */
const backOff = (round: number): Promise<void> => sleep(Math.min(1000, 20 * 2 ** round));

const chunksOf = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Consistent BatchGetItem over any number of keys: chunks of 100 in parallel, retrying leftovers. */
export async function batchGet(table: TableHandle, keys: readonly Item[], attributes?: readonly string[]): Promise<Item[]> {
  const projection = attributes
    ? {
        ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#p${i}`, a])),
      }
    : {};
  const results = await Promise.all(
    chunksOf(keys, BATCH_GET_LIMIT).map(async (chunk) => {
      const found: Item[] = [];
      let pending: Item[] = chunk;
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await backOff(round);
        const out = await table.doc.send(new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: pending, ConsistentRead: true, ...projection } } }));
        found.push(...(out.Responses?.[table.tableName] ?? []));
        pending = (out.UnprocessedKeys?.[table.tableName]?.Keys as Item[] | undefined) ?? [];
      }
      return found;
    }),
  );
  return results.flat();
}

/** Unconditional puts with BatchWriteItem, 25 a call one call after another, retrying leftovers. */
export async function batchPut(table: TableHandle, items: readonly Item[]): Promise<void> {
  for (const chunk of chunksOf(items, BATCH_WRITE_LIMIT)) {
    let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
    for (let round = 0; pending.length > 0; round++) {
      if (round > 0) await backOff(round);
      const out = await table.doc.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: pending } }));
      pending = (out.UnprocessedItems?.[table.tableName] as typeof pending | undefined) ?? [];
    }
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}
