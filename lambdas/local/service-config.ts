/**
 * The configuration the local server runs the deployed handlers with: the variables the stack sets
 * on every function (lib/sync-api.ts), handed to `loadConfig` instead of written to `process.env`,
 * so that each local server has its own table, key and caller policy, and two can share a process.
 */
import { DEVELOPER_PRINCIPALS_VARIABLE, IDENTITY_ROLE_NAMES_VARIABLE, loadConfig, SINGLE_ITEM_MAX_BYTES_VARIABLE, type SyncConfig } from '../src/config';

/** The user the local developer key signs as (sigv4.ts). */
export const localDeveloperArn = (accountId: string): string => `arn:aws:iam::${accountId}:user/local-developer`;

/** The role of the local Cognito Identity's credentials: never a developer. */
export const LOCAL_IDENTITY_ROLE_NAME = 'Cognito_LocalUnauth_Role';

export interface LocalServiceSettings {
  readonly region: string;
  readonly accountId: string;
  readonly tableName: string;
  readonly dynamoEndpoint: string;
  /** Also signs the service's tokens. */
  readonly serverKey: Buffer;
  /** The moto server the edge port fronts: where the handlers call STS and SNS (push sync) and Kinesis. */
  readonly awsEndpoint?: string;
  /** The single-item threshold (SYNC_SINGLE_ITEM_MAX_BYTES); its default when absent. */
  readonly singleItemMaxBytes?: number;
}

export function localServiceConfig(settings: LocalServiceSettings): SyncConfig {
  return loadConfig({
    AWS_REGION: settings.region,
    SYNC_TABLE_NAME: settings.tableName,
    DYNAMODB_ENDPOINT: settings.dynamoEndpoint,
    SYNC_TOKEN_KEY: settings.serverKey.toString('hex'),
    SYNC_AWS_ENDPOINT: settings.awsEndpoint,
    ...(settings.singleItemMaxBytes !== undefined ? { [SINGLE_ITEM_MAX_BYTES_VARIABLE]: String(settings.singleItemMaxBytes) } : {}),
    // The caller policy as deployed: the local developer is the one developer.
    [DEVELOPER_PRINCIPALS_VARIABLE]: localDeveloperArn(settings.accountId),
    [IDENTITY_ROLE_NAMES_VARIABLE]: LOCAL_IDENTITY_ROLE_NAME,
  });
}
