/**
 * The composition root: builds each capability of the domain over its adapters, from a config
 * (config.ts), on first use, and keeps it for every invocation after (a Lambda container builds it
 * once, at its first request).
 *
 * One builder per capability, each bringing only its own clients: `records()` is the records
 * capability (datasets, records, tokens, usage of one identity) over the DynamoDB store; `pools()`
 * is the pools capability (a pool's configuration) over its `P#` item. Push and streams will add
 * `push()`, `streams()` with their own clients (SNS, Kinesis, Lambda); a function's bundle holds only the builders its handler imports (capabilities.ts),
 * and the functions of operations not available yet import none.
 *
 * `createRuntime(config)` is one composition: the deployed functions use the process's
 * (`processRuntime()`, from the environment); the local server builds its own from the config it
 * injects, so that two endpoints with different tables and keys can run in one process.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_LOCAL_CLIENT_CONFIG } from './adapters/dynamodb/local-client';
import { DynamoDBPoolSettingsStore } from './adapters/dynamodb/pool-settings-store';
import { DynamoDBSyncStore } from './adapters/dynamodb/sync-store';
import { processConfig, type StorageConfig, type SyncConfig, type TokenKeyConfig } from './config';
import type { SyncService } from './domain/model';
import { PoolConfigurations } from './domain/pools/pool-configurations';
import { EVERY_POOL, type PoolDirectory } from './domain/pools/ports';
import { systemClock } from './domain/ports';
import { CognitoSyncService } from './domain/sync-service';
import { TokenCodec } from './domain/tokens';

export interface Runtime {
  readonly config: SyncConfig;
  /** The records capability over the DynamoDB store, built on first use. */
  records(): Promise<SyncService>;
  /**
   * The pools capability over the DynamoDB store, built on first use. `directory` says which pools
   * exist: the local server passes its Cognito Identity's; deployed, every well-formed pool id is
   * taken as existing (docs/behaviour.md#identity-pool-configuration). The first call's directory is kept.
   */
  pools(directory?: PoolDirectory): Promise<PoolConfigurations>;
  /** Releases the clients built so far (the local server, when it stops). */
  close(): void;
}

export function createRuntime(config: SyncConfig): Runtime {
  let dynamodb: DynamoDBClient | undefined;
  let records: Promise<SyncService> | undefined;
  let pools: PoolConfigurations | undefined;
  const buildRecords = async (): Promise<SyncService> => {
    const tableName = requireTableName(config.storage);
    dynamodb ??= dynamoDBClient(config.region, config.storage);
    return new CognitoSyncService({
      store: new DynamoDBSyncStore(dynamodb, tableName, { singleItemMaxBytes: config.storage.singleItemMaxBytes }),
      clock: systemClock,
      tokens: new TokenCodec(await loadTokenKey(config.tokenKey)),
    });
  };
  return {
    config,
    records: () => {
      records ??= buildRecords().catch((e: unknown) => {
        // A failed start (say, the secret could not be read) must not poison the container for good.
        records = undefined;
        throw e;
      });
      return records;
    },
    pools: async (directory = EVERY_POOL) => {
      if (!pools) {
        dynamodb ??= dynamoDBClient(config.region, config.storage);
        pools = new PoolConfigurations({ store: new DynamoDBPoolSettingsStore(dynamodb, requireTableName(config.storage)), directory });
      }
      return pools;
    },
    close: () => {
      dynamodb?.destroy();
      dynamodb = undefined;
      records = undefined;
      pools = undefined;
    },
  };
}

let processWide: Runtime | undefined;

/** The composition of this process's configuration (the deployed functions'). */
export function processRuntime(): Runtime {
  processWide ??= createRuntime(processConfig());
  return processWide;
}

function dynamoDBClient(region: string, storage: StorageConfig): DynamoDBClient {
  const endpoint = storage.dynamodbEndpoint;
  return new DynamoDBClient({
    region,
    ...(endpoint ? { endpoint, credentials: DYNAMODB_LOCAL_CLIENT_CONFIG.credentials } : {}),
  });
}

function requireTableName(storage: StorageConfig): string {
  if (!storage.tableName) throw new Error('SYNC_TABLE_NAME must be set');
  return storage.tableName;
}

async function loadTokenKey(tokenKey: TokenKeyConfig): Promise<Buffer> {
  if (tokenKey.hex) return Buffer.from(tokenKey.hex, 'hex');
  const secretArn = tokenKey.secretArn;
  if (secretArn) {
    // Loaded lazily so that local runs and bundles without Secrets Manager never pay for the client.
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!out.SecretString) throw new Error(`secret ${secretArn} has no SecretString`);
    return Buffer.from(out.SecretString, 'utf8');
  }
  throw new Error('SYNC_TOKEN_KEY or SYNC_TOKEN_KEY_SECRET_ARN must be set');
}
