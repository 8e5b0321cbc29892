/**
 * The whole local service in one call: the server key, DynamoDB Local (unless one is given), the
 * table, and the HTTP endpoint. `bin/local.ts` is this plus arguments, a banner and signals; tests
 * and the benchmark can start the same thing in-process.
 */
import path from 'node:path';
import { ensureTable } from '../src/adapters/dynamodb/table-schema';
import { loadConfig } from '../src/config';
import { developerCredentialsFromEnv, type DeveloperCredentials } from './auth/credentials';
import { lockDataDir, type DataDirLock } from './process/data-dir-lock';
import { preparePrivateDataDir } from './process/data-dir';
import { loadOrCreateDeveloperCredentials } from './auth/developer-credentials-file';
import { createDynamoDBLocalClient, startDynamoDBLocal, type DynamoDBLocal } from './emulators/dynamodb-local';
import { ensurePortFree } from './process/port-probe';
import { ephemeralServerKey, loadOrCreateServerKey } from './auth/server-key';
import { startLocalServer, type Dispatch } from './http/server';
import type { LocalFunction, LocalFunctionSpec } from './lambda/function-registry';
import { MOTO_INSTALL_HINT, MotoUnavailableError, startMoto, type Moto } from './emulators/moto';
import { MOTO_FEATURES } from './edge/routes';
import { startLocalFeed, type LocalFeedOptions } from './feed/local-feed';
import type { StreamPoller } from './feed/stream-poller';
import { ActivityBus } from './console/activity';
import { ensureConsoleBuiltOrWarn } from './console/build';

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
  /**
   * Default: SYNC_DEVELOPER_ACCESS_KEY_ID / SYNC_DEVELOPER_SECRET_ACCESS_KEY over the data
   * directory's own random pair (made on its first start), or over the documented pair in memory.
   */
  readonly developer?: DeveloperCredentials;
  readonly dispatch?: Dispatch;
  /** Browser origins allowed besides loopback ones (CORS). */
  readonly allowedOrigins?: readonly string[];
  /** `execute-api` signatures only, as deployed (see LocalServerOptions). */
  readonly deployedRules?: boolean;
  /** How the port-in-use message tells to choose another (see LocalServerOptions). */
  readonly portHint?: string;
  /**
   * The moto server behind the edge port's SNS, Kinesis, S3 and STS: started with `python`
   * (default `python3`), or not at all with `false`. Without Python or moto the rest still starts.
   */
  readonly moto?: false | { readonly python?: string };
  /** Functions for the local function runner (`--function NAME=path`): sync triggers may name them. */
  readonly functions?: readonly LocalFunctionSpec[];
  /**
   * The change feed: a poller on the table's stream handing committed syncs to FEED_CONSUMERS
   * (lambdas/local/feed/). Default on; `false` turns it off; tests give consumers and retry bounds.
   */
  readonly feed?: false | Pick<LocalFeedOptions, 'consumers' | 'maxAttempts' | 'retryBaseMs' | 'log'>;
  /**
   * Build the local console (lambdas/local/console/build.ts) before serving when its build is
   * missing or older than its sources: `npm start` does; tests build it once per run instead.
   */
  readonly buildConsole?: boolean;
}

export interface LocalEndpoint {
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly tableName: string;
  readonly dynamoEndpoint: string;
  readonly developer: DeveloperCredentials;
  /** Where the data directory's developer pair is kept; undefined in memory or when one was given. */
  readonly developerCredentialsFile: string | undefined;
  /** True on the first start of a data directory: its developer pair was just made. */
  readonly developerCredentialsCreated: boolean;
  /** DynamoDB Local's process id, when this started it. */
  readonly dynamoPid: number | undefined;
  readonly inMemory: boolean;
  /** Absolute; undefined in memory. */
  readonly dataDir: string | undefined;
  /** The moto server's endpoint and process id, when it runs. */
  readonly motoEndpoint: string | undefined;
  readonly motoPid: number | undefined;
  /** One line naming the features that are off and how to turn them on; undefined when all are on. */
  readonly featuresOff: string | undefined;
  /** The functions the local function runner serves, with their ARNs. */
  readonly functions: readonly LocalFunction[];
  /** The local console's address (`<url>/_console/`). */
  readonly consoleUrl: string;
  /** Stops the server, then DynamoDB Local if this started it. */
  close(): Promise<void>;
}

const DEFAULT_PORT_HINT = 'set PORT=<another port>';

/** The account the local server's callers belong to (its default, lambdas/local/http/server.ts). */
const LOCAL_ACCOUNT_ID = '000000000000';

export async function startLocalEndpoint(options: LocalEndpointOptions = {}): Promise<LocalEndpoint> {
  const inMemory = options.inMemory ?? false;
  const dataDir = inMemory ? undefined : path.resolve(options.dataDir ?? '.data');
  // The environment's region and table are the defaults of `npm start`, read as the functions read them.
  const fromEnvironment = loadConfig(process.env);
  const region = options.region ?? fromEnvironment.region;
  const tableName = options.tableName ?? fromEnvironment.storage.tableName ?? 'cognito-sync';
  let lock: DataDirLock | undefined;
  if (dataDir) {
    preparePrivateDataDir(dataDir);
    // Before anything touches the data: a second server on it would lose acknowledged writes.
    lock = lockDataDir(dataDir);
  }

  let dynamo: DynamoDBLocal | undefined;
  let moto: Moto | undefined;
  let feed: StreamPoller | undefined;
  let featuresOff: string | undefined;
  // What the feed's consumers, the function runner and the server's answers tell the local console.
  const activity = new ActivityBus();
  try {
    if (options.buildConsole) await ensureConsoleBuiltOrWarn();
    const stored = dataDir && !options.developer ? loadOrCreateDeveloperCredentials(dataDir) : undefined;
    const developer = options.developer ?? developerCredentialsFromEnv(process.env, stored?.credentials);
    const serverKey = dataDir ? loadOrCreateServerKey(dataDir) : ephemeralServerKey();
    // After the lock: a second `npm start` on the same directory and port hears about the directory.
    await ensurePortFree(options.port ?? 8080, options.host ?? '127.0.0.1', options.portHint ?? DEFAULT_PORT_HINT);
    if (!options.dynamoEndpoint) {
      dynamo = await startDynamoDBLocal(dataDir ? { dbPath: path.join(dataDir, 'dynamodb') } : { inMemory: true });
    }
    const dynamoEndpoint = options.dynamoEndpoint ?? (dynamo as DynamoDBLocal).endpoint;
    const client = createDynamoDBLocalClient(dynamoEndpoint);
    try {
      await ensureTable(client, tableName);
    } finally {
      client.destroy();
    }
    if (options.moto !== false) {
      try {
        // With a data dir, what the service created in moto (SNS endpoints, streams) survives a restart.
        moto = await startMoto({ python: options.moto?.python, stateFile: dataDir ? path.join(dataDir, 'moto-state.jsonl') : undefined });
      } catch (e) {
        if (!(e instanceof MotoUnavailableError)) throw e;
        featuresOff = `${MOTO_FEATURES} are off (${e.message}): to enable them, ${MOTO_INSTALL_HINT}`;
      }
    }
    // After moto: consumers that publish (SNS, Kinesis) reach it.
    if (options.feed !== false) {
      // Enables the stream of a table made before streams were in its definition, and resumes from the checkpoint.
      feed = await startLocalFeed({
        region,
        accountId: LOCAL_ACCOUNT_ID,
        tableName,
        dynamoEndpoint,
        serverKey,
        dataDir,
        // Consumers that publish (push sync's SNS, Cognito Streams' Kinesis) reach moto, as the handlers do.
        awsEndpoint: moto?.endpoint,
        ...options.feed,
        activity,
      });
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
      allowedOrigins: options.allowedOrigins,
      deployedRules: options.deployedRules,
      portHint: options.portHint,
      motoEndpoint: moto?.endpoint,
      functions: options.functions,
      activity,
    });
    return {
      url: server.url,
      port: server.port,
      region,
      tableName,
      dynamoEndpoint,
      developer,
      developerCredentialsFile: stored?.file,
      developerCredentialsCreated: stored?.created ?? false,
      dynamoPid: dynamo?.pid,
      inMemory,
      dataDir,
      motoEndpoint: moto?.endpoint,
      motoPid: moto?.pid,
      featuresOff,
      functions: server.functions,
      consoleUrl: `${server.url}/_console/`,
      close: async () => {
        await server.close();
        await feed?.stop();
        await moto?.stop();
        await dynamo?.stop();
        lock?.release();
      },
    };
  } catch (e) {
    // Never leave a JVM, a Python, a poller or a lock, behind a failed start.
    await feed?.stop();
    await moto?.stop();
    await dynamo?.stop();
    lock?.release();
    throw e;
  }
}
