/**
 * Push sync's data model (RegisterDevice, SubscribeToDataset, UnsubscribeFromDataset), in the
 * service model's member names. A device is what RegisterDevice made for one (platform, token) of
 * an identity: its DeviceId and the SNS platform endpoint pushes go to.
 */
import type { DatasetRef, IdentityRef } from '../model';

/** The service model's Platform enum: the SNS platform application kinds push sync serves. */
export const PUSH_PLATFORMS = ['APNS', 'APNS_SANDBOX', 'GCM', 'ADM'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];

export interface RegisterDeviceInput extends IdentityRef {
  readonly Platform: PushPlatform;
  readonly Token: string;
}

export interface RegisterDeviceOutput {
  DeviceId: string;
}

export interface SubscriptionInput extends DatasetRef {
  readonly DeviceId: string;
}

export interface Device {
  readonly deviceId: string;
  readonly platform: PushPlatform;
  readonly token: string;
  /** The SNS platform endpoint of the token, in the application of its platform. */
  readonly endpointArn: string;
}
