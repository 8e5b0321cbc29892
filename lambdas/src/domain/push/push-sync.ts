/**
 * The push capability's operations: RegisterDevice, SubscribeToDataset, UnsubscribeFromDataset
 * (docs/behaviour.md#push-sync). Callers are identities acting on their own identity (the protocol
 * layer checks that); a DeviceId is looked up in the caller's identity only, so another identity's
 * device is as unknown as a made-up one.
 */
import { randomUUID } from 'node:crypto';
import { Errors } from '../../errors';
import type { IdentityRef } from '../model';
import type { Device, RegisterDeviceInput, RegisterDeviceOutput, SubscriptionInput } from './model';
import { applicationFor } from './platforms';
import type { DatasetDirectory, DeviceStore, PlatformEndpoints, PushSettingsSource } from './ports';

export interface PushSyncDeps {
  readonly devices: DeviceStore;
  readonly endpoints: PlatformEndpoints;
  readonly datasets: DatasetDirectory;
  readonly settings: PushSettingsSource;
  readonly newDeviceId?: () => string;
}

export class PushSyncService {
  private readonly newDeviceId: () => string;

  constructor(private readonly deps: PushSyncDeps) {
    this.newDeviceId = deps.newDeviceId ?? randomUUID;
  }

  /**
   * One device per (identity, platform, token): registering it again answers the same DeviceId, and
   * makes sure its endpoint exists and is enabled (SNS may have disabled it since).
   */
  async registerDevice(input: RegisterDeviceInput): Promise<RegisterDeviceOutput> {
    const identity: IdentityRef = { IdentityPoolId: input.IdentityPoolId, IdentityId: input.IdentityId };
    const pushSync = await this.deps.settings.pushSync(input.IdentityPoolId);
    if (!pushSync?.RoleArn || !pushSync.ApplicationArns?.length) {
      throw Errors.invalidConfiguration(`Push sync is not configured for identity pool ${input.IdentityPoolId}.`);
    }
    const applicationArn = applicationFor(input.Platform, pushSync.ApplicationArns);
    if (!applicationArn) throw Errors.invalidConfiguration(`No platform application is configured for platform ${input.Platform}.`);
    const role = { roleArn: pushSync.RoleArn, identityPoolId: input.IdentityPoolId };

    const known = await this.deps.devices.deviceByToken(identity, input.Platform, input.Token);
    // The identity id as the endpoint's user data: SNS's console then shows whose device it is.
    const endpointArn = await this.deps.endpoints.ensureEndpoint(role, applicationArn, input.Token, input.IdentityId, known?.endpointArn);
    if (known) {
      if (known.endpointArn !== endpointArn) await this.deps.devices.replaceEndpoint(identity, known.deviceId, endpointArn);
      return { DeviceId: known.deviceId };
    }
    const device: Device = { deviceId: this.newDeviceId(), platform: input.Platform, token: input.Token, endpointArn };
    if (await this.deps.devices.addDevice(identity, device)) return { DeviceId: device.deviceId };
    // Another RegisterDevice of the same token won the race: its DeviceId is the one.
    const winner = await this.deps.devices.deviceByToken(identity, input.Platform, input.Token);
    if (!winner) throw Errors.internal('The device could not be registered; try again.');
    return { DeviceId: winner.deviceId };
  }

  async subscribe(input: SubscriptionInput): Promise<Record<string, never>> {
    await this.requireDevice(input);
    if (!(await this.deps.datasets.exists(input))) throw Errors.resourceNotFound(`Dataset ${input.DatasetName} not found.`);
    await this.deps.devices.subscribe(input, input.DeviceId);
    return {};
  }

  /** Not subscribed: ResourceNotFoundException, which Android's client catches as "not a subscription". */
  async unsubscribe(input: SubscriptionInput): Promise<Record<string, never>> {
    await this.requireDevice(input);
    if (!(await this.deps.devices.unsubscribe(input, input.DeviceId))) {
      throw Errors.resourceNotFound(`Device ${input.DeviceId} is not subscribed to dataset ${input.DatasetName}.`);
    }
    return {};
  }

  private async requireDevice(input: SubscriptionInput): Promise<Device> {
    const device = await this.deps.devices.device(input, input.DeviceId);
    if (!device) throw Errors.resourceNotFound(`Device ${input.DeviceId} not found.`);
    return device;
  }
}
