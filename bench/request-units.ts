/**
 * The request-unit part of `npm run bench` (bench/run.ts): DynamoDB Local's own ConsumedCapacity for one
 * sync cycle (ListRecords of the changes + UpdateRecords) at three sizes. Apart from run.ts because it
 * is a separate measurement from the latency runs, with its own client and middleware.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBSyncStore } from '../lambdas/src/adapters/dynamodb/sync-store';
import { systemClock } from '../lambdas/src/domain/ports';
import { CognitoSyncService } from '../lambdas/src/domain/sync-service';
import { TokenCodec } from '../lambdas/src/domain/tokens';
import { createDynamoDBLocalClient } from '../lambdas/local/emulators/dynamodb-local';

/**
 * DynamoDB Local's own ConsumedCapacity on every call `client` makes, summed by kind: it reports
 * CapacityUnits per table, and which kind they are follows from the command. Running totals; callers
 * take differences.
 */
export function countLocalCapacity(client: DynamoDBClient): { readonly read: number; readonly write: number } {
  const totals = { read: 0, write: 0 };
  const writes = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      const consumed = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      const units = ((Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as { CapacityUnits?: number }[]).reduce(
        (sum, c) => sum + (c.CapacityUnits ?? 0),
        0,
      );
      if (writes.has(String(context.commandName))) totals.write += units;
      else totals.read += units;
      return out;
    },
    { step: 'initialize', name: 'localConsumedCapacity' },
  );
  return totals;
}

/** Request units of one sync cycle, from DynamoDB's own ConsumedCapacity on every call the store makes. */
export async function printRequestUnits(endpoint: string, IdentityPoolId: string, table: string): Promise<void> {
  const client = createDynamoDBLocalClient(endpoint);
  const local = countLocalCapacity(client);
  const service = new CognitoSyncService({ store: new DynamoDBSyncStore(client, table), clock: systemClock, tokens: new TokenCodec(Buffer.alloc(32, 5)) });
  const principal = { kind: 'developer' as const, accountId: '000000000000' };
  console.log('\nRequest units per sync cycle (ListRecords of the changes + UpdateRecords), from DynamoDB ConsumedCapacity\n');
  console.log('records in update   read RU   write RU   on-demand $ per million cycles (us-east-1: $0.125/M RRU, $0.625/M WRU)');
  for (const size of [1, 10, 100]) {
    const dataset = { IdentityPoolId, IdentityId: `us-east-1:${randomUUID()}`, DatasetName: 'ru' };
    const first = await service.listRecords(principal, dataset);
    await service.updateRecords(principal, {
      ...dataset,
      SyncSessionToken: first.SyncSessionToken,
      RecordPatches: Array.from({ length: size }, (_, i) => ({ Op: 'replace', Key: `k${i}`, Value: 'v'.repeat(100), SyncCount: 0 })),
    });
    const before = { ...local };
    const listed = await service.listRecords(principal, { ...dataset, LastSyncCount: 1 });
    await service.updateRecords(principal, {
      ...dataset,
      SyncSessionToken: listed.SyncSessionToken,
      RecordPatches: Array.from({ length: size }, (_, i) => ({ Op: 'replace', Key: `k${i}`, Value: 'w'.repeat(100), SyncCount: 1 })),
    });
    const read = local.read - before.read;
    const write = local.write - before.write;
    const dollars = read * 0.125 + write * 0.625;
    console.log(`${String(size).padStart(17)} ${read.toFixed(1).padStart(9)} ${write.toFixed(1).padStart(10)}   ${dollars.toFixed(2)}`);
  }
}
