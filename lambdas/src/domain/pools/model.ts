/**
 * An identity pool's configuration, in the service model's member names (GetIdentityPoolConfiguration,
 * SetIdentityPoolConfiguration). The protocol layer has checked every constraint of the model before
 * a value gets here.
 */

/** Where push sync sends its notifications: SNS platform applications, through a role. */
export interface PushSync {
  readonly ApplicationArns?: readonly string[];
  readonly RoleArn?: string;
}

export type StreamingStatus = 'ENABLED' | 'DISABLED';

/** Where Cognito Streams writes each committed sync: a Kinesis stream, through a role. */
export interface CognitoStreams {
  readonly StreamName?: string;
  readonly RoleArn?: string;
  readonly StreamingStatus?: StreamingStatus;
}

export interface PoolRef {
  readonly IdentityPoolId: string;
}

/**
 * Cognito Events (GetCognitoEvents, SetCognitoEvents): event type -> Lambda function ARN. The one
 * event type is `SyncTrigger` (cognito-events.ts).
 */
export type CognitoEvents = Readonly<Record<string, string>>;

/** What a pool holds: each member absent until a Set names it. */
export interface PoolSettings {
  readonly PushSync?: PushSync;
  readonly CognitoStreams?: CognitoStreams;
  /** Set by SetCognitoEvents only; not part of the pool configuration's answer. */
  readonly Events?: CognitoEvents;
}

/** SetIdentityPoolConfiguration's input: a member present replaces the stored one, an absent one stays. */
export interface SetPoolConfigurationInput extends PoolRef, PoolSettings {}

/** Both operations answer the pool id and its settings. */
export interface PoolConfiguration extends PoolRef, PoolSettings {}
