/**
 * The drop-in path's ports: where the keys live (adapters: drop-in/dynamodb-key-store.ts), how their
 * signing keys are sealed (drop-in/kms-key-cipher.ts), and the Cognito Identity the relay forwards to.
 */
import type { DropInKey } from './drop-in-key';

/** Encrypts the signing keys at rest; `context` binds a ciphertext to the item it belongs to. */
export interface KeyCipher {
  seal(plaintext: Uint8Array, context: Readonly<Record<string, string>>): Promise<Uint8Array>;
  open(ciphertext: Uint8Array, context: Readonly<Record<string, string>>): Promise<Uint8Array>;
}

/** What the verifying functions read. */
export interface DropInKeyReader {
  get(accessKeyId: string): Promise<DropInKey | undefined>;
}

/** What the relay writes, and the identity -> pool book it keeps from GetId answers. */
export interface DropInKeyWriter {
  put(key: DropInKey): Promise<void>;
  rememberPool(identityId: string, identityPoolId: string): Promise<void>;
  poolOf(identityId: string): Promise<string | undefined>;
}

/** One Cognito Identity answer, as received. */
export interface UpstreamAnswer {
  readonly statusCode: number;
  readonly contentType: string;
  readonly requestId: string | undefined;
  /** `x-amzn-ErrorType` of an error answer: some SDKs read the error's name there. */
  readonly errorType: string | undefined;
  readonly body: Buffer;
}

/** Sends a JSON 1.1 request (`AWSCognitoIdentityService.<operation>`) to Cognito Identity. */
export type CognitoIdentityUpstream = (target: string, body: Buffer, userAgent: string | undefined) => Promise<UpstreamAnswer>;
