/**
 * Push sync's consumer of the change feed: after each committed sync, a silent push to every device
 * subscribed to the dataset except the writer's (the UpdateRecords `DeviceId`); after a deletion,
 * the dataset's subscriptions are dropped.
 *
 * Delivery is at least once, as the feed's: a failure that may pass (SNS throttling or down, STS
 * unreachable) is thrown once every device has been tried, so the feed retries the event, and a
 * device already reached may get the push twice. That is harmless: a push only tells the device
 * to synchronize, and a sync with nothing new costs one ListRecords. What will not pass is not
 * retried forever: an endpoint SNS reports disabled or gone is dropped with its subscriptions, and
 * a pool whose push sync is no longer configured (or whose role or application is refused) is
 * skipped and logged.
 */
import { isSyncError } from '../../errors';
import type { CommittedRecordsReader, CommittedSync, FeedConsumer } from '../feed/committed-sync';
import type { DatasetRef } from '../model';
import type { Device } from './model';
import { snsMessage } from './payload';
import type { DeviceStore, PlatformEndpoints, PushRole, PushSettingsSource } from './ports';

/** What one push was, for the local server's one line per push. */
export interface SentPush {
  readonly endpointArn: string;
  readonly platform: string;
  readonly datasetName: string;
  readonly syncCount: number;
  readonly outcome: 'delivered' | 'disabled' | 'gone';
}

export interface PushNotifierDeps {
  readonly devices: DeviceStore;
  readonly endpoints: PlatformEndpoints;
  readonly settings: PushSettingsSource;
  /** Pushes in flight at once per event. Default 16. */
  readonly concurrency?: number;
  /** Told of each push (locally: printed). */
  readonly onPush?: (push: SentPush) => void;
  /** Told of a configuration SNS or STS refused, which is skipped rather than retried. */
  readonly onRefused?: (event: CommittedSync, error: unknown) => void;
}

/**
 * What retrying will not mend: the pool's role or application refused (InvalidConfiguration), or
 * SNS refusing the request itself (InvalidParameter). The event is skipped for those devices.
 */
const isRefusal = (e: unknown): boolean => isSyncError(e) && (e.code === 'InvalidConfigurationException' || e.code === 'InvalidParameterException');

const DEFAULT_CONCURRENCY = 16;

export class PushNotifier implements FeedConsumer {
  readonly name = 'push-sync';
  private readonly concurrency: number;

  constructor(private readonly deps: PushNotifierDeps) {
    this.concurrency = Math.max(1, deps.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /** The records themselves are not needed: a push only says that the dataset changed. */
  async consume(event: CommittedSync, _records?: CommittedRecordsReader): Promise<void> {
    const dataset: DatasetRef = { IdentityPoolId: event.identityPoolId, IdentityId: event.identityId, DatasetName: event.datasetName };
    if (event.kind === 'delete') {
      await this.deps.devices.removeSubscriptions(dataset);
      return;
    }
    const recipients = (await this.deps.devices.subscribers(dataset)).filter((device) => device.deviceId !== event.deviceId);
    if (recipients.length === 0) return;
    const pushSync = await this.deps.settings.pushSync(event.identityPoolId);
    // Subscriptions outlive a configuration removed since: nothing to push with.
    if (!pushSync?.RoleArn) return;
    const role: PushRole = { roleArn: pushSync.RoleArn, identityPoolId: event.identityPoolId };
    const update = { identityPoolId: event.identityPoolId, identityId: event.identityId, datasetName: event.datasetName, syncCount: event.syncCount };

    const failures: unknown[] = [];
    await eachWithConcurrency(recipients, this.concurrency, async (device) => {
      try {
        await this.push(role, device, dataset, snsMessage(device.platform, update), event.syncCount);
      } catch (e) {
        failures.push(e);
      }
    });
    const retryable = failures.filter((e) => !isRefusal(e));
    if (retryable.length > 0) throw new AggregateError(retryable, `push sync: ${retryable.length} of ${recipients.length} pushes failed`);
    if (failures.length > 0) this.deps.onRefused?.(event, failures[0]);
  }

  private async push(role: PushRole, device: Device, dataset: DatasetRef, message: string, syncCount: number): Promise<void> {
    const outcome = await this.deps.endpoints.publish(role, device.endpointArn, message);
    this.deps.onPush?.({ endpointArn: device.endpointArn, platform: device.platform, datasetName: dataset.DatasetName, syncCount, outcome });
    if (outcome === 'delivered') return;
    // SNS disables an endpoint when the platform says its token is no longer valid (the app was
    // uninstalled); the device registers again with its new token, under a new endpoint.
    await this.deps.devices.removeDevice(dataset, device);
    if (outcome === 'disabled') await this.deps.endpoints.deleteEndpoint(role, device.endpointArn);
  }
}

/** Runs `work` on every item, at most `limit` at a time. */
async function eachWithConcurrency<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
