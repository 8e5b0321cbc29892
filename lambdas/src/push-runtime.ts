/**
 * Push sync's part of the composition root (runtime.ts): its adapters, built once from a config and
 * a DynamoDB client, for the push operations (RegisterDevice, Subscribe, Unsubscribe) and for the
 * change feed's notifier (feed/push-notifier.ts). Kept apart so that only the functions that push
 * hold the SNS and STS clients.
 *
 * SNS is called with the pool's push sync role, assumed with STS (adapters/aws/role-credentials.ts);
 * locally both are moto's (`config.awsEndpoint`).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RoleCredentials } from './adapters/aws/role-credentials';
import { DynamoDBDeviceStore } from './adapters/dynamodb/device-store';
import { DynamoDBPoolSettingsStore } from './adapters/dynamodb/pool-settings-store';
import { DynamoDBSyncStore } from './adapters/dynamodb/sync-store';
import { SnsPlatformEndpoints } from './adapters/sns/platform-endpoints';
import type { SyncConfig } from './config';
import type { DatasetDirectory, PushSettingsSource } from './domain/push/ports';
import { isLive } from './domain/records/views';

export interface PushAdapters {
  readonly devices: DynamoDBDeviceStore;
  readonly endpoints: SnsPlatformEndpoints;
  readonly datasets: DatasetDirectory;
  readonly settings: PushSettingsSource;
  close(): void;
}

export function createPushAdapters(config: SyncConfig, dynamodb: DynamoDBClient, tableName: string): PushAdapters {
  const roles = new RoleCredentials({ region: config.region, endpoint: config.awsEndpoint });
  const endpoints = new SnsPlatformEndpoints({ roles, region: config.region, endpoint: config.awsEndpoint });
  const store = new DynamoDBSyncStore(dynamodb, tableName);
  const poolSettings = new DynamoDBPoolSettingsStore(dynamodb, tableName);
  return {
    devices: new DynamoDBDeviceStore(dynamodb, tableName),
    endpoints,
    // A dataset exists as DescribeDataset sees it: a head that is not deleted.
    datasets: { exists: async (dataset) => isLive(await store.getDatasetHead(dataset)) },
    settings: { pushSync: async (identityPoolId) => (await poolSettings.read(identityPoolId)).settings.PushSync },
    close: () => {
      endpoints.close();
      roles.close();
    },
  };
}
