/**
 * The part of push sync's adapters that needs the table only: devices and subscriptions, which
 * datasets exist, the pool's PushSync settings. SubscribeToDataset and UnsubscribeFromDataset run on
 * this alone, so that their functions bundle no SNS or STS client; RegisterDevice and the change
 * feed's notifier add the SNS side (push-runtime.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDeviceStore } from './adapters/dynamodb/device-store';
import { DynamoDBPoolSettingsStore } from './adapters/dynamodb/pool-settings-store';
import { DynamoDBSyncStore } from './adapters/dynamodb/sync-store';
import type { SyncConfig } from './config';
import { Errors } from './errors';
import type { DatasetDirectory, DeviceStore, PlatformEndpoints, PushSettingsSource } from './domain/push/ports';
import { isLive } from './domain/records/views';

export interface PushAdapters {
  readonly devices: DeviceStore;
  readonly endpoints: PlatformEndpoints;
  readonly datasets: DatasetDirectory;
  readonly settings: PushSettingsSource;
  close(): void;
}

/** What the subscription operations have instead of SNS: they never call it. */
const NO_ENDPOINTS: PlatformEndpoints = {
  ensureEndpoint: async () => {
    throw Errors.internal('This function has no SNS client: only RegisterDevice creates endpoints.');
  },
  publish: async () => {
    throw Errors.internal('This function has no SNS client: only the change feed publishes.');
  },
  deleteEndpoint: async () => {
    throw Errors.internal('This function has no SNS client: only the change feed deletes endpoints.');
  },
};

/** The config is taken, as by every adapters factory (runtime.ts `PushAdaptersFactory`), though the table needs none of it. */
export function createPushTableAdapters(_config: SyncConfig, dynamodb: DynamoDBClient, tableName: string): PushAdapters {
  const store = new DynamoDBSyncStore(dynamodb, tableName);
  const poolSettings = new DynamoDBPoolSettingsStore(dynamodb, tableName);
  return {
    devices: new DynamoDBDeviceStore(dynamodb, tableName),
    endpoints: NO_ENDPOINTS,
    // A dataset exists as DescribeDataset sees it: a head that is not deleted.
    datasets: { exists: async (dataset) => isLive(await store.getDatasetHead(dataset)) },
    settings: { pushSync: async (identityPoolId) => (await poolSettings.read(identityPoolId)).settings.PushSync },
    close: () => undefined,
  };
}
