/**
 * Drop-in mode's composition from a config (config.ts `dropIn`): the key store over DynamoDB and
 * KMS, the verifier of the operation functions and the relay's options. Off (undefined) unless the
 * config names the key table: the stack sets it only with `dropIn` on (lib/drop-in.ts).
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { storageClient } from '../adapters/dynamodb/local-client';
import { processConfig, type SyncConfig } from '../config';
import { DropInAuthenticator } from './drop-in-authenticator';
import { DynamoDBDropInKeyStore } from './dynamodb-key-store';
import { fetchUpstream, regionalCognitoIdentityEndpoint } from './fetch-upstream';
import { KmsKeyCipher } from './kms-key-cipher';
import type { KeyCipher } from './ports';
import type { RelayOptions } from './relay';

function keyStore(config: SyncConfig, cipher?: KeyCipher): DynamoDBDropInKeyStore | undefined {
  const { keyTable, kmsKeyId } = config.dropIn;
  if (!keyTable) return undefined;
  if (!cipher && !kmsKeyId) throw new Error('Drop-in mode needs SYNC_DROP_IN_KMS_KEY_ID with SYNC_DROP_IN_KEY_TABLE');
  const kms = (): KeyCipher =>
    new KmsKeyCipher(new KMSClient({ region: config.region, ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}) }), kmsKeyId as string);
  return new DynamoDBDropInKeyStore(storageClient(config.region, config.storage), keyTable, cipher ?? kms());
}

/** The verifier of drop-in requests, or undefined when drop-in mode is off. */
export function createDropInAuthenticator(config: SyncConfig, cipher?: KeyCipher): DropInAuthenticator | undefined {
  const store = keyStore(config, cipher);
  return store && new DropInAuthenticator(store, { region: config.region });
}

/** The relay's options; throws when drop-in mode is off (the relay exists only with it on). */
export function createRelayOptions(config: SyncConfig, cipher?: KeyCipher): RelayOptions {
  const store = keyStore(config, cipher);
  if (!store) throw new Error('The drop-in relay needs SYNC_DROP_IN_KEY_TABLE');
  return { keys: store, region: config.region, upstream: fetchUpstream(config.dropIn.upstreamEndpoint ?? regionalCognitoIdentityEndpoint(config.region)) };
}

let processAuthenticator: { value: DropInAuthenticator | undefined } | undefined;

/** This process's verifier (its cache lives as long as the function instance), built on first use. */
export function processDropInAuthenticator(): DropInAuthenticator | undefined {
  processAuthenticator ??= { value: createDropInAuthenticator(processConfig()) };
  return processAuthenticator.value;
}
