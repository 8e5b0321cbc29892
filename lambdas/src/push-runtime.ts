/**
 * Push sync's part of the composition root (runtime.ts): its adapters, built once from a config and
 * a DynamoDB client, for RegisterDevice and for the change feed's notifier (feed/push-notifier.ts):
 * the table's (push-table-runtime.ts, all that SubscribeToDataset and UnsubscribeFromDataset use)
 * and SNS, called with the pool's push sync role assumed with STS
 * (adapters/aws/role-credentials.ts); locally both are moto's (`config.awsEndpoint`).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RoleCredentials } from './adapters/aws/role-credentials';
import { SnsPlatformEndpoints } from './adapters/sns/platform-endpoints';
import type { SyncConfig } from './config';
import { createPushTableAdapters, type PushAdapters } from './push-table-runtime';

export type { PushAdapters } from './push-table-runtime';

export function createPushAdapters(config: SyncConfig, dynamodb: DynamoDBClient, tableName: string): PushAdapters {
  const roles = new RoleCredentials({ region: config.region, endpoint: config.awsEndpoint });
  const endpoints = new SnsPlatformEndpoints({ roles, region: config.region, endpoint: config.awsEndpoint });
  return {
    ...createPushTableAdapters(config, dynamodb, tableName),
    endpoints,
    close: () => {
      endpoints.close();
      roles.close();
    },
  };
}
