/**
 * The ports Cognito Streams works over: the developer's Kinesis stream (through the developer's
 * role), a bucket for payloads too large for a record, and the pool's streaming settings.
 */
import type { CognitoStreams } from '../pools/model';

/** The developer's stream and the role that may write to it. */
export interface StreamTarget {
  /** Sent as the external id when the role is assumed: the role's trust policy may require it. */
  readonly identityPoolId: string;
  readonly streamName: string;
  readonly roleArn: string;
}

export interface StreamEntry {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

/**
 * Writes entries to a stream, each in order after the entries before it with the same partition
 * key, retrying the ones Kinesis refuses one by one until every entry is in; throws
 * `StreamUnavailableError` when the stream or the role is gone for good, anything else when it
 * gave up for now (the caller's event is retried).
 */
export interface StreamWriter {
  put(target: StreamTarget, entries: readonly StreamEntry[]): Promise<void>;
}

/** Keeps a payload and answers a URL that fetches it without credentials, for a while. */
export interface PayloadStore {
  store(key: string, body: Uint8Array): Promise<string>;
}

/** A pool's CognitoStreams, as GetIdentityPoolConfiguration shows them (with DisabledReason when switched off). */
export interface StreamsSettings extends CognitoStreams {
  readonly DisabledReason?: string;
}

export interface PoolStreaming {
  readonly streams?: StreamsSettings;
  /**
   * When this service switched streaming off because the target was gone (epoch ms); absent when
   * the developer did, or streaming was set again since. Changes committed up to then are kept
   * failing (in the change feed's failure queue) rather than dropped.
   */
  readonly disabledAt?: number;
}

/** The pool's CognitoStreams settings, and the switch to DISABLED when its target is gone. */
export interface StreamingSettings {
  streamingOf(identityPoolId: string): Promise<PoolStreaming>;
  /**
   * Sets StreamingStatus DISABLED with `reason` at `at`, only while the settings still name
   * `target` enabled: a developer who has meanwhile pointed the pool elsewhere is not switched off.
   */
  disable(target: StreamTarget, reason: string, at: number): Promise<void>;
}

/** The stream no longer exists, or the role can no longer be assumed or may not write to it. */
export class StreamUnavailableError extends Error {
  override readonly name = 'StreamUnavailableError';
}
