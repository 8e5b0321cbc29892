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
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { storageClient } from './adapters/dynamodb/local-client';
import { DynamoDBPoolSettingsStore } from './adapters/dynamodb/pool-settings-store';
import { DynamoDBSyncStore } from './adapters/dynamodb/sync-store';
import { processConfig, type StorageConfig, type SyncConfig, type TokenKeyConfig } from './config';
import type { SyncService } from './domain/model';
import { PushSyncService } from './domain/push/push-sync';
import type { PushAdapters } from './push-runtime';
import { CognitoEventsSettings, SYNC_TRIGGER } from './domain/pools/cognito-events';
import { PoolConfigurations } from './domain/pools/pool-configurations';
import type { BulkPublishing } from './domain/pools/bulk-publish';
import type { BulkPublishComposition, BulkPublishSettings } from './workers/compose-bulk-publish';
import { PoolUsage } from './domain/pools/usage';
import { NO_POOL_LISTER, type PoolLister } from './domain/pools/usage-ports';
import { DynamoDBPoolUsageStore } from './adapters/dynamodb/pool-usage-store';
import { EVERY_POOL, type PoolDirectory } from './domain/pools/ports';
import { systemClock } from './domain/ports';
import { CachedSyncTriggerLookup } from './domain/records/sync-trigger-lookup';
import { type FunctionInvoker, syncTriggerStep } from './domain/records/sync-trigger-step';
import { CognitoSyncService } from './domain/sync-service';
import { TokenCodec } from './domain/tokens';

/**
 * Builds the invoker of sync triggers for a region: the Lambda adapter (adapters/lambda/), passed
 * in by the one entry point that runs triggers (UpdateRecords) so that no other bundle holds the
 * Lambda client, and by the local server with its own endpoint.
 */
export type TriggerInvokerFactory = (region: string) => FunctionInvoker;

/**
 * Builds push sync's adapters (push-runtime.ts `createPushAdapters`), passed in by the push
 * operations' entry points and the local server, so that no other bundle holds the SNS and STS clients.
 */
export type PushAdaptersFactory = (config: SyncConfig, dynamodb: DynamoDBClient, tableName: string) => PushAdapters;

/**
 * Builds the lister of the account's identity pools for a region (ListIdentityPoolUsage): passed in
 * by its entry point (Cognito Identity) and by the local server (the local Cognito Identity's pools).
 */
export type PoolListerFactory = (region: string) => PoolLister;

/**
 * Builds BulkPublish over the runtime's DynamoDB client (workers/compose-bulk-publish.ts): passed in by
 * its entry points and by the local server, so that no other function bundles its clients.
 */
export type BulkPublishComposer = (settings: BulkPublishSettings) => Promise<BulkPublishComposition>;

export interface Runtime {
  readonly config: SyncConfig;
  /**
   * The records capability over the DynamoDB store, built on first use. With `triggers`,
   * UpdateRecords runs the pool's sync trigger (Cognito Events); the first call's factory is kept.
   */
  records(triggers?: TriggerInvokerFactory): Promise<SyncService>;
  /**
   * The pools capability over the DynamoDB store, built on first use. `directory` says which pools
   * exist: the local server passes its Cognito Identity's; deployed, every well-formed pool id is
   * taken as existing (docs/behaviour.md#identity-pool-configuration). The first call's directory is kept.
   */
  pools(directory?: PoolDirectory): Promise<PoolConfigurations>;
  /** The pool's Cognito Events (GetCognitoEvents, SetCognitoEvents), over the same item and directory as `pools`. */
  events(directory?: PoolDirectory): Promise<CognitoEventsSettings>;
  /** The push capability (RegisterDevice, Subscribe, Unsubscribe), built on first use; the first call's factory is kept. */
  push(build: PushAdaptersFactory): Promise<PushSyncService>;
  /**
   * Pool usage over the usage counters, built on first use; `lister` lists the pools
   * ListIdentityPoolUsage pages over, `directory` says which exist. The first call's are kept.
   */
  usage(lister?: PoolListerFactory, directory?: PoolDirectory): Promise<PoolUsage>;
  /**
   * BulkPublish and GetBulkPublishDetails, built on first use with `compose`; `directory` says which
   * pools exist. Without a worker function configured (locally) the jobs run in this process.
   */
  bulkPublish(compose: BulkPublishComposer, directory?: PoolDirectory): Promise<BulkPublishing>;
  /** Releases the clients built so far (the local server, when it stops). */
  close(): void;
}

export function createRuntime(config: SyncConfig): Runtime {
  let dynamodb: DynamoDBClient | undefined;
  let records: Promise<SyncService> | undefined;
  let pools: PoolConfigurations | undefined;
  let bulkPublish: Promise<BulkPublishComposition> | undefined;
  let usage: Promise<PoolUsage> | undefined;
  let events: CognitoEventsSettings | undefined;
  let push: { service: PushSyncService; adapters: PushAdapters } | undefined;
  let poolStore: DynamoDBPoolSettingsStore | undefined;
  const poolSettings = (): DynamoDBPoolSettingsStore => {
    dynamodb ??= storageClient(config.region, config.storage);
    poolStore ??= new DynamoDBPoolSettingsStore(dynamodb, requireTableName(config.storage));
    return poolStore;
  };
  // Shared by UpdateRecords and SetCognitoEvents, so that a Set in this process is seen at once.
  const triggerLookup = new CachedSyncTriggerLookup(async (poolId) => (await poolSettings().read(poolId)).settings.Events?.[SYNC_TRIGGER], systemClock);
  const buildRecords = async (triggers: TriggerInvokerFactory | undefined): Promise<SyncService> => {
    const tableName = requireTableName(config.storage);
    dynamodb ??= storageClient(config.region, config.storage);
    const store = new DynamoDBSyncStore(dynamodb, tableName, { singleItemMaxBytes: config.storage.singleItemMaxBytes });
    return new CognitoSyncService({
      store,
      clock: systemClock,
      tokens: new TokenCodec(await loadTokenKey(config.tokenKey)),
      ...(triggers && { rewrite: syncTriggerStep({ region: config.region, triggers: triggerLookup, invoker: triggers(config.region), store }) }),
    });
  };
  const buildUsage = async (lister: PoolListerFactory | undefined, directory: PoolDirectory): Promise<PoolUsage> => {
    dynamodb ??= storageClient(config.region, config.storage);
    return new PoolUsage({
      store: new DynamoDBPoolUsageStore(dynamodb, requireTableName(config.storage)),
      directory,
      lister: lister ? lister(config.region) : NO_POOL_LISTER,
      tokens: new TokenCodec(await loadTokenKey(config.tokenKey)),
    });
  };
  return {
    config,
    records: (triggers) => {
      records ??= buildRecords(triggers).catch((e: unknown) => {
        // A failed start (say, the secret could not be read) must not poison the container for good.
        records = undefined;
        throw e;
      });
      return records;
    },
    pools: async (directory = EVERY_POOL) => {
      if (!pools) {
        dynamodb ??= storageClient(config.region, config.storage);
        pools = new PoolConfigurations({ store: new DynamoDBPoolSettingsStore(dynamodb, requireTableName(config.storage)), directory });
      }
      return pools;
    },
    events: async (directory = EVERY_POOL) => {
      events ??= new CognitoEventsSettings({ store: poolSettings(), directory, changed: (poolId) => triggerLookup.forget(poolId) });
      return events;
    },
    push: async (build) => {
      if (!push) {
        dynamodb ??= storageClient(config.region, config.storage);
        const adapters = build(config, dynamodb, requireTableName(config.storage));
        push = { service: new PushSyncService(adapters), adapters };
      }
      return push.service;
    },
    usage: (lister, directory = EVERY_POOL) => {
      usage ??= buildUsage(lister, directory).catch((e: unknown) => {
        usage = undefined;
        throw e;
      });
      return usage;
    },
    bulkPublish: async (compose, directory = EVERY_POOL) => {
      dynamodb ??= storageClient(config.region, config.storage);
      bulkPublish ??= compose({ config, dynamodb, tableName: requireTableName(config.storage), directory }).catch((e: unknown) => {
        bulkPublish = undefined;
        throw e;
      });
      return (await bulkPublish).publishing;
    },
    close: () => {
      bulkPublish = undefined;
      push?.adapters.close();
      push = undefined;
      dynamodb?.destroy();
      dynamodb = undefined;
      records = undefined;
      pools = undefined;
      usage = undefined;
      events = undefined;
      poolStore = undefined;
    },
  };
}

let processWide: Runtime | undefined;

/** The composition of this process's configuration (the deployed functions'). */
export function processRuntime(): Runtime {
  processWide ??= createRuntime(processConfig());
  return processWide;
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
