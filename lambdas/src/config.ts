/**
 * The service's configuration, read in ONE place: `loadConfig(env)` turns a set of environment
 * variables into a typed, frozen object, and nothing else in `lambdas/src` reads `process.env`. The
 * stack sets the variables on every function (lib/sync-api.ts); the local server hands its own set
 * to `loadConfig` instead of writing `process.env`, so two endpoints can run in one process.
 *
 * | variable                      | field                                | default                  |
 * |-------------------------------|--------------------------------------|--------------------------|
 * | `AWS_REGION`                  | `region`                             | `us-east-1`              |
 * | `SYNC_TABLE_NAME`             | `storage.tableName` (the runtime requires it) | none            |
 * | `DYNAMODB_ENDPOINT`           | `storage.dynamodbEndpoint`: DynamoDB Local | AWS's endpoint     |
 * | `SYNC_SINGLE_ITEM_MAX_BYTES`  | `storage.singleItemMaxBytes`: largest dataset kept in one item; 0: none | 16384 |
 * | `SYNC_TOKEN_KEY`              | `tokenKey.hex`: signs SyncSessionTokens and NextTokens (locally) | none |
 * | `SYNC_TOKEN_KEY_SECRET_ARN`   | `tokenKey.secretArn`: the Secrets Manager secret holding it (deployed) | none |
 * | `SYNC_DEVELOPER_PRINCIPALS`   | `callers.developerPrincipals` (comma-separated ARN patterns) | none: no developers |
 * | `SYNC_IDENTITY_ROLE_NAMES`    | `callers.identityRoleNames` (comma-separated) | none            |
 * | `SYNC_CORS_ALLOW_ORIGINS`     | `cors.allowOrigins` (comma-separated) | loopback only (the unknown-route function) |
 * | `SYNC_OBSERVABILITY`          | `observability.enabled`: `on`/`off`; else on in Lambda (`AWS_LAMBDA_FUNCTION_NAME`) | off |
 * | `POWERTOOLS_SERVICE_NAME`     | `observability.serviceName`          | `open-cognito-sync`      |
 * | `POWERTOOLS_METRICS_NAMESPACE`| `observability.metricsNamespace`     | `OpenCognitoSync`        |
 * | `POWERTOOLS_TRACE_ENABLED`    | `observability.tracing` (in bundles built with tracing) | on     |
 * | `SYNC_AWS_ENDPOINT`           | `awsEndpoint`: STS, SNS, Kinesis and S3 (locally the moto the edge port fronts) | AWS's endpoints |
 * | `SYNC_STREAM_PAYLOAD_BUCKET`  | `streams.payloadBucket`: Cognito Streams payloads over a record's size | none: such payloads fail |
 * | `SYNC_BULK_PUBLISH_FUNCTION`  | `streams.bulkPublishFunction`: the BulkPublish worker, invoked asynchronously | none: the worker runs in-process (locally) |
 * | `SYNC_DROP_IN_KEY_TABLE`      | `dropIn.keyTable`: drop-in mode's key table; set, requests without an IAM authorizer are verified against it (drop-in/) | none: drop-in off |
 * | `SYNC_DROP_IN_KMS_KEY_ID`     | `dropIn.kmsKeyId`: the KMS key sealing the drop-in signing keys | none |
 * | `SYNC_DROP_IN_UPSTREAM`       | `dropIn.upstreamEndpoint`: the Cognito Identity the relay forwards to | the region's |
 *
 * Values are trimmed and an empty value counts as unset, as Powertools' EnvironmentVariablesService
 * reads them. Loading never throws: a function that needs no table (an operation not available yet,
 * the unknown route) must answer without one; the runtime refuses a missing table when it builds the
 * store.
 *
 * Not configuration: whether the X-Ray SDK is in a bundle at all. That is the build constant
 * `process.env.SYNC_TRACING_BUNDLE`, replaced by esbuild (lib/bundling.ts) so that the require it
 * guards is dropped (observability/instruments.ts); a runtime value could not drop it.
 */
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, type ObservabilityConfig } from './observability/config';
import { CORS_ALLOW_ORIGINS_VARIABLE } from './protocol/cors';

export interface StorageConfig {
  readonly tableName: string | undefined;
  /** Set locally: DynamoDB Local, reached with its fixed dummy credentials. */
  readonly dynamodbEndpoint: string | undefined;
  /**
   * A dataset lives in its head item while that item weighs at most this many bytes
   * (docs/decisions.md#small-datasets-live-in-one-item); 0 keeps every dataset in the per-record
   * layout (the tests run the record suites both ways).
   */
  readonly singleItemMaxBytes: number;
}

/** The variable of `storage.singleItemMaxBytes`. */
export const SINGLE_ITEM_MAX_BYTES_VARIABLE = 'SYNC_SINGLE_ITEM_MAX_BYTES';
/** Its default: adapters/dynamodb/single-item.ts DEFAULT_SINGLE_ITEM_MAX_BYTES says why. */
export const DEFAULT_SINGLE_ITEM_MAX_BYTES = 16 * 1024;
/** DynamoDB's item limit, less room for the head's own attributes and a commit mark. */
const MAX_SINGLE_ITEM_MAX_BYTES = 300 * 1024;

/** Where the key that signs tokens comes from: inline (hex) wins over the secret. */
export interface TokenKeyConfig {
  readonly hex: string | undefined;
  readonly secretArn: string | undefined;
}

/** Who counts as a developer (protocol/caller-policy.ts). Empty lists: no developers at all. */
export interface CallersConfig {
  readonly developerPrincipals: readonly string[];
  readonly identityRoleNames: readonly string[];
}

export interface CorsConfig {
  /** Browser origins allowed besides loopback ones. */
  readonly allowOrigins: readonly string[];
}

/** Cognito Streams (domain/streams/) and its BulkPublish worker. */
export interface StreamsConfig {
  readonly payloadBucket: string | undefined;
  readonly bulkPublishFunction: string | undefined;
}

/** Drop-in mode (drop-in/): the relay's and the verifiers' settings. */
export interface DropInConfig {
  readonly keyTable: string | undefined;
  readonly kmsKeyId: string | undefined;
  readonly upstreamEndpoint: string | undefined;
}

export interface SyncConfig {
  readonly region: string;
  readonly dropIn: DropInConfig;
  /** Where the other AWS APIs the service calls (STS, SNS, Kinesis, S3) are: locally moto; deployed unset, AWS's own. */
  readonly awsEndpoint: string | undefined;
  readonly streams: StreamsConfig;
  readonly storage: StorageConfig;
  readonly tokenKey: TokenKeyConfig;
  readonly callers: CallersConfig;
  readonly cors: CorsConfig;
  readonly observability: ObservabilityConfig;
}

/** What `loadConfig` reads: `process.env`, or a set of variables of one's own (the local server, tests). */
export type ConfigEnvironment = Readonly<Record<string, string | undefined>>;

/** The variables the stack sets for the caller policy (lib/sync-api.ts). */
export const DEVELOPER_PRINCIPALS_VARIABLE = 'SYNC_DEVELOPER_PRINCIPALS';
export const IDENTITY_ROLE_NAMES_VARIABLE = 'SYNC_IDENTITY_ROLE_NAMES';

const DEFAULT_REGION = 'us-east-1';

const FALSY = ['0', 'n', 'no', 'f', 'false', 'off'];

export function loadConfig(env: ConfigEnvironment): SyncConfig {
  const get = (name: string): string | undefined => env[name]?.trim() || undefined;
  const list = (name: string): readonly string[] =>
    Object.freeze(
      (get(name) ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  const observabilityFlag = get('SYNC_OBSERVABILITY')?.toLowerCase();
  const traceFlag = get('POWERTOOLS_TRACE_ENABLED')?.toLowerCase();
  return Object.freeze({
    region: get('AWS_REGION') ?? DEFAULT_REGION,
    awsEndpoint: get('SYNC_AWS_ENDPOINT'),
    dropIn: Object.freeze({
      keyTable: get('SYNC_DROP_IN_KEY_TABLE'),
      kmsKeyId: get('SYNC_DROP_IN_KMS_KEY_ID'),
      upstreamEndpoint: get('SYNC_DROP_IN_UPSTREAM'),
    }),
    streams: Object.freeze({ payloadBucket: get('SYNC_STREAM_PAYLOAD_BUCKET'), bulkPublishFunction: get('SYNC_BULK_PUBLISH_FUNCTION') }),
    storage: Object.freeze({
      tableName: get('SYNC_TABLE_NAME'),
      dynamodbEndpoint: get('DYNAMODB_ENDPOINT'),
      singleItemMaxBytes: byteCount(get(SINGLE_ITEM_MAX_BYTES_VARIABLE), DEFAULT_SINGLE_ITEM_MAX_BYTES, MAX_SINGLE_ITEM_MAX_BYTES),
    }),
    tokenKey: Object.freeze({ hex: get('SYNC_TOKEN_KEY'), secretArn: get('SYNC_TOKEN_KEY_SECRET_ARN') }),
    callers: Object.freeze({ developerPrincipals: list(DEVELOPER_PRINCIPALS_VARIABLE), identityRoleNames: list(IDENTITY_ROLE_NAMES_VARIABLE) }),
    cors: Object.freeze({ allowOrigins: list(CORS_ALLOW_ORIGINS_VARIABLE) }),
    observability: Object.freeze({
      // Per-invocation log line and metrics: on in Lambda, off locally and in tests unless asked for.
      enabled: observabilityFlag !== 'off' && (observabilityFlag === 'on' || get('AWS_LAMBDA_FUNCTION_NAME') !== undefined),
      serviceName: get('POWERTOOLS_SERVICE_NAME') ?? DEFAULT_SERVICE_NAME,
      metricsNamespace: get('POWERTOOLS_METRICS_NAMESPACE') ?? DEFAULT_METRICS_NAMESPACE,
      tracing: traceFlag === undefined || !FALSY.includes(traceFlag),
    }),
  });
}

/** A whole number of bytes from 0 to `max`; anything else (never throwing: see above) is the default. */
function byteCount(text: string | undefined, fallback: number, max: number): number {
  const n = text === undefined ? Number.NaN : Number(text);
  return Number.isInteger(n) && n >= 0 && n <= max ? n : fallback;
}

let fromProcessEnvironment: SyncConfig | undefined;

/**
 * This process's configuration, from its environment, read on first use: a Lambda function reads
 * it once per container. The local server and the tests that run several configurations build
 * theirs with `loadConfig` and inject it instead (lambdas/local/http/dispatch.ts `createDispatch`).
 */
export function processConfig(): SyncConfig {
  fromProcessEnvironment ??= loadConfig(process.env);
  return fromProcessEnvironment;
}
