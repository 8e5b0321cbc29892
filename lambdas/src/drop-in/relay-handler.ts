/**
 * The relay function's entry point (lib/drop-in.ts bundles this file): `POST /` of the drop-in API.
 * Composed once per function instance from its environment.
 */
import { processConfig } from '../config';
import type { SyncHttpEvent, SyncHttpResult } from '../protocol/http-event';
import { createRelayOptions } from './drop-in-runtime';
import { type RelayOptions, relayCognitoIdentity } from './relay';

let options: RelayOptions | undefined;

export const handler = async (event: SyncHttpEvent): Promise<SyncHttpResult> => {
  options ??= createRelayOptions(processConfig());
  return relayCognitoIdentity(event, options);
};
