/**
 * The composition root: builds the domain service over its adapters, once per Lambda container
 * (cold start) and reused by every invocation after it.
 *
 * Configuration comes from the environment, the same deployed and local:
 *
 * | variable            | meaning                                                                  |
 * |---------------------|--------------------------------------------------------------------------|
 * | `SYNC_TABLE_NAME`   | the DynamoDB table (required)                                            |
 * | `DYNAMODB_ENDPOINT` | DynamoDB endpoint override; set locally to DynamoDB Local                |
 * | `SYNC_TOKEN_KEY`    | hex key that signs SyncSessionTokens and NextTokens (locally)            |
 * | `SYNC_TOKEN_KEY_SECRET_ARN` | Secrets Manager secret holding that key (deployed; read once)    |
 * | `AWS_REGION`        | region of the table                                                      |
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_LOCAL_CLIENT_CONFIG } from './adapters/dynamodb/local-client';
import { DynamoDBSyncStore } from './adapters/dynamodb/sync-store';
import type { SyncService } from './domain/model';
import { systemClock } from './domain/ports';
import { CognitoSyncService } from './domain/sync-service';
import { TokenCodec } from './domain/tokens';

let service: Promise<SyncService> | undefined;

export function getSyncService(): Promise<SyncService> {
  service ??= buildFromEnvironment().catch((e: unknown) => {
    // A failed start (say, the secret could not be read) must not poison the container for good.
    service = undefined;
    throw e;
  });
  return service;
}

/** Forgets the built service, so the next call reads the environment again (tests, local restarts). */
export function resetSyncService(): void {
  service = undefined;
}

async function buildFromEnvironment(): Promise<SyncService> {
  const tableName = requireEnv('SYNC_TABLE_NAME');
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(endpoint
      ? { endpoint, credentials: DYNAMODB_LOCAL_CLIENT_CONFIG.credentials }
      : {}),
  });
  return new CognitoSyncService({
    store: new DynamoDBSyncStore(client, tableName),
    clock: systemClock,
    tokens: new TokenCodec(await loadTokenKey()),
  });
}

async function loadTokenKey(): Promise<Buffer> {
  const inline = process.env.SYNC_TOKEN_KEY;
  if (inline) return Buffer.from(inline, 'hex');
  const secretArn = process.env.SYNC_TOKEN_KEY_SECRET_ARN;
  if (secretArn) {
    // Loaded lazily so that local runs and bundles without Secrets Manager never pay for the client.
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!out.SecretString) throw new Error(`secret ${secretArn} has no SecretString`);
    return Buffer.from(out.SecretString, 'utf8');
  }
  throw new Error('SYNC_TOKEN_KEY or SYNC_TOKEN_KEY_SECRET_ARN must be set');
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}
