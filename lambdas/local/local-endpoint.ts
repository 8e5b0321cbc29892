/**
 * The whole local service in one call: the server key, DynamoDB Local (unless one is given), the
 * table, and the HTTP endpoint. `bin/local.ts` is this plus arguments, a banner and signals; tests
 * and the benchmark can start the same thing in-process.
 */
import path from 'node:path';
import { ensureTable } from '../src/adapters/table-schema';
import { developerCredentialsFromEnv, type DeveloperCredentials } from './credentials';
import { createLocalDynamoClient, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { ephemeralServerKey, loadOrCreateServerKey } from './server-key';
import { startLocalServer, type Dispatch } from './server';

export interface LocalEndpointOptions {
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default AWS_REGION, else us-east-1. */
  readonly region?: string;
  /** Default SYNC_TABLE_NAME, else `cognito-sync`. */
  readonly tableName?: string;
  /** Keep data (and the server key) in memory only. */
  readonly inMemory?: boolean;
  /** Where the data and the server key live when not in memory. Default `./.data`. */
  readonly dataDir?: string;
  /** Use this DynamoDB (say, the tests' shared DynamoDB Local) instead of starting one. */
  readonly dynamoEndpoint?: string;
  readonly developer?: DeveloperCredentials;
  readonly dispatch?: Dispatch;
}

export interface LocalEndpoint {
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly tableName: string;
  readonly dynamoEndpoint: string;
  readonly developer: DeveloperCredentials;
  readonly inMemory: boolean;
  /** Absolute; undefined in memory. */
  readonly dataDir: string | undefined;
  /** Stops the server, then DynamoDB Local if this started it. */
  close(): Promise<void>;
}

export async function startLocalEndpoint(options: LocalEndpointOptions = {}): Promise<LocalEndpoint> {
  const inMemory = options.inMemory ?? false;
  const dataDir = inMemory ? undefined : path.resolve(options.dataDir ?? '.data');
  const region = options.region ?? (process.env.AWS_REGION || 'us-east-1');
  const tableName = options.tableName ?? (process.env.SYNC_TABLE_NAME || 'cognito-sync');
  const developer = options.developer ?? developerCredentialsFromEnv();
  const serverKey = dataDir ? loadOrCreateServerKey(dataDir) : ephemeralServerKey();

  let dynamo: DynamoDbLocal | undefined;
  try {
    if (!options.dynamoEndpoint) {
      dynamo = await startDynamoDbLocal(dataDir ? { dbPath: path.join(dataDir, 'dynamodb') } : { inMemory: true });
    }
    const dynamoEndpoint = options.dynamoEndpoint ?? (dynamo as DynamoDbLocal).endpoint;
    const client = createLocalDynamoClient(dynamoEndpoint);
    try {
      await ensureTable(client, tableName);
    } finally {
      client.destroy();
    }
    const server = await startLocalServer({
      port: options.port,
      host: options.host,
      region,
      tableName,
      dynamoEndpoint,
      serverKey,
      developer,
      dispatch: options.dispatch,
    });
    return {
      url: server.url,
      port: server.port,
      region,
      tableName,
      dynamoEndpoint,
      developer,
      inMemory,
      dataDir,
      close: async () => {
        await server.close();
        await dynamo?.stop();
      },
    };
  } catch (e) {
    // Never leave a JVM behind a failed start.
    await dynamo?.stop();
    throw e;
  }
}
