/**
 * The narrow ports of the push capability: where devices and subscriptions are kept, the SNS
 * platform endpoints pushes go through, which datasets exist, and the pool's PushSync settings.
 */
import type { DatasetRef, IdentityRef } from '../model';
import type { PushSync } from '../pools/model';
import type { Device, PushPlatform } from './model';

export interface DeviceStore {
  /** The device an identity registered for this (platform, token), if any. */
  deviceByToken(identity: IdentityRef, platform: PushPlatform, token: string): Promise<Device | undefined>;
  device(identity: IdentityRef, deviceId: string): Promise<Device | undefined>;
  /** Adds the device; false, having written nothing, when the (platform, token) already has one (a racing RegisterDevice). */
  addDevice(identity: IdentityRef, device: Device): Promise<boolean>;
  /** Points the device at another endpoint (SNS lost the old one). */
  replaceEndpoint(identity: IdentityRef, deviceId: string, endpointArn: string): Promise<void>;
  /** Drops the device, its token entry and every subscription of it. */
  removeDevice(identity: IdentityRef, device: Device): Promise<void>;
  subscribe(dataset: DatasetRef, deviceId: string): Promise<void>;
  /** False when the device was not subscribed to the dataset. */
  unsubscribe(dataset: DatasetRef, deviceId: string): Promise<boolean>;
  /** The devices subscribed to the dataset. */
  subscribers(dataset: DatasetRef): Promise<readonly Device[]>;
  /** Drops every subscription to the dataset (it was deleted). */
  removeSubscriptions(dataset: DatasetRef): Promise<void>;
}

/** Whom SNS is called as: the pool's role, assumed with the pool id as external id. */
export interface PushRole {
  readonly roleArn: string;
  readonly identityPoolId: string;
}

/** What SNS said about a publish to one endpoint. */
export type PublishOutcome = 'delivered' | 'disabled' | 'gone';

export interface PlatformEndpoints {
  /**
   * The enabled endpoint of `token` in the application, created if need be, re-enabled and updated
   * if SNS has it with other attributes or disabled, re-created if `knownEndpointArn` no longer exists.
   */
  ensureEndpoint(role: PushRole, applicationArn: string, token: string, customUserData: string, knownEndpointArn?: string): Promise<string>;
  /** Publishes a `MessageStructure: json` message. Throws what should be retried (throttling, an outage). */
  publish(role: PushRole, endpointArn: string, message: string): Promise<PublishOutcome>;
  /** Deletes an endpoint SNS reported disabled (idempotent). */
  deleteEndpoint(role: PushRole, endpointArn: string): Promise<void>;
}

/** Which datasets exist (not deleted). */
export interface DatasetDirectory {
  exists(dataset: DatasetRef): Promise<boolean>;
}

/** A pool's PushSync settings, absent when never set. */
export interface PushSettingsSource {
  pushSync(identityPoolId: string): Promise<PushSync | undefined>;
}
