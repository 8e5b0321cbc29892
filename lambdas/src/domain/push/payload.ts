/**
 * The silent push a subscribed device gets when another device changes a dataset, as clients read
 * it (docs/behaviour.md#push-sync):
 *
 * - GCM and ADM: `{"data":{"source":"cognito-sync","identityPoolId","identityId","datasetName","syncCount"}}`,
 *   every value a string: Android reads them as intent extras with `getString` and parses
 *   `syncCount` with `Long.parseLong`, and requires all five to call it a push sync update.
 * - APNS and APNS_SANDBOX: `{"aps":{"content-available":1},"data":{...}}`: a background (silent)
 *   notification, the same data under `data`, as iOS reads `userInfo["data"]`.
 *
 * Sent with `MessageStructure: json`: one member per platform, each a JSON string, plus the
 * `default` SNS requires.
 */
import type { PushPlatform } from './model';

export interface PushSyncUpdate {
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly datasetName: string;
  readonly syncCount: number;
}

export function pushData(update: PushSyncUpdate): Record<string, string> {
  return {
    source: 'cognito-sync',
    identityPoolId: update.identityPoolId,
    identityId: update.identityId,
    datasetName: update.datasetName,
    syncCount: String(update.syncCount),
  };
}

/** The platform's own payload (what the device receives). */
export function platformPayload(platform: PushPlatform, update: PushSyncUpdate): object {
  const data = pushData(update);
  return platform === 'APNS' || platform === 'APNS_SANDBOX' ? { aps: { 'content-available': 1 }, data } : { data };
}

/** The SNS `Message` for a publish with `MessageStructure: json` to an endpoint of `platform`. */
export function snsMessage(platform: PushPlatform, update: PushSyncUpdate): string {
  return JSON.stringify({ default: JSON.stringify(pushData(update)), [platform]: JSON.stringify(platformPayload(platform, update)) });
}
