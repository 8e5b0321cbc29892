/**
 * A domain service over the real DynamoDB adapter on a fresh DynamoDB Local table, for integration
 * tests. The client counts the calls it sends, so tests can hold the round-trip budget.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import { DynamoDBSyncStore, type DynamoDBSyncStoreOptions } from '../../lambdas/src/adapters/dynamodb/sync-store';
import { loadConfig } from '../../lambdas/src/config';
import { systemClock } from '../../lambdas/src/domain/ports';
import { CognitoSyncService } from '../../lambdas/src/domain/sync-service';
import { TokenCodec } from '../../lambdas/src/domain/tokens';
import { freshTable } from './dynamodb-local';
import { TOKEN_KEY } from './identities';

export { datasetOf, identityPrincipal, paddedValue, POOL, replace, TOKEN_KEY } from './identities';

export interface CallLog {
  /** Command names in the order they were sent. */
  readonly sent: string[];
  /** Most calls that were in flight at once. */
  maxInFlight: number;
  reset(): void;
}

/** Adds a middleware that records every command the client sends and how many overlap. */
export function countCalls(client: DynamoDBClient): CallLog {
  let inFlight = 0;
  const log: CallLog = {
    sent: [],
    maxInFlight: 0,
    reset() {
      log.sent.length = 0;
      log.maxInFlight = 0;
    },
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      log.sent.push(String(context.commandName));
      inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, inFlight);
      try {
        return await next(args);
      } finally {
        inFlight--;
      }
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return log;
}

/** The storage settings of this test process (vitest projects set SYNC_SINGLE_ITEM_MAX_BYTES). */
export const storageLayout = () => loadConfig(process.env).storage;

/** True when this run keeps every dataset in the per-record layout. */
export const perRecordLayout = (): boolean => storageLayout().singleItemMaxBytes === 0;

export async function syncFixture(options: DynamoDBSyncStoreOptions = {}) {
  const { tableName, endpoint } = await freshTable('store');
  // A client of its own, so that counting its calls leaves the table's setup client alone.
  const client = createDynamoDBLocalClient(endpoint);
  const calls = countCalls(client);
  // The layout under test: SYNC_SINGLE_ITEM_MAX_BYTES=0 (the per-record vitest project) forces per-record.
  const store = new DynamoDBSyncStore(client, tableName, { singleItemMaxBytes: storageLayout().singleItemMaxBytes, ...options });
  const service = new CognitoSyncService({ store, clock: systemClock, tokens: new TokenCodec(TOKEN_KEY) });
  return { client, tableName, endpoint, store, service, calls };
}
