/**
 * What of a pool's configuration the copy cannot make work by itself. The configuration is copied as
 * it is (the same ARNs), but each ARN names something in the source's account that this deployment
 * must be allowed to use: an IAM role whose trust policy names Amazon Cognito Sync, SNS platform
 * applications, a Kinesis stream, a sync-trigger function. Each is listed for the operator.
 */
import type { PoolConfiguration } from '../model';

interface PushSyncShape {
  readonly ApplicationArns?: readonly string[];
  readonly RoleArn?: string;
}
interface CognitoStreamsShape {
  readonly StreamName?: string;
  readonly RoleArn?: string;
  readonly StreamingStatus?: string;
}

/** The account of an ARN (`arn:partition:service:region:account:resource`), if it has one. */
const accountOf = (arn: string): string | undefined => arn.split(':')[4] || undefined;

const elsewhere = (arn: string, targetAccountId: string | undefined): string =>
  targetAccountId !== undefined && accountOf(arn) !== undefined && accountOf(arn) !== targetAccountId
    ? ` (account ${accountOf(arn)}, not the target's ${targetAccountId})`
    : '';

/** The actions an operator must take for `configuration` to work on the target; empty when none. */
export function poolConfigurationActions(configuration: PoolConfiguration, targetAccountId?: string): string[] {
  const actions: string[] = [];
  const push = configuration.pushSync as PushSyncShape | undefined;
  if (push?.RoleArn) {
    actions.push(
      `PushSync role ${push.RoleArn}${elsewhere(push.RoleArn, targetAccountId)}: let this deployment's functions use it (its trust policy names cognito-sync.amazonaws.com)`,
    );
  }
  for (const arn of push?.ApplicationArns ?? []) {
    actions.push(
      `PushSync SNS platform application ${arn}${elsewhere(arn, targetAccountId)}: devices must register again on the target before they get pushes`,
    );
  }
  const streams = configuration.cognitoStreams as CognitoStreamsShape | undefined;
  if (streams?.StreamName && streams.StreamingStatus !== 'DISABLED') {
    actions.push(
      `CognitoStreams stream ${streams.StreamName} through role ${streams.RoleArn ?? '(none)'}${streams.RoleArn ? elsewhere(streams.RoleArn, targetAccountId) : ''}: let this deployment write to it`,
    );
  }
  for (const [event, arn] of Object.entries(configuration.cognitoEvents ?? {})) {
    actions.push(`CognitoEvents ${event} function ${arn}${elsewhere(arn, targetAccountId)}: let this deployment invoke it (lambda:InvokeFunction)`);
  }
  return actions;
}
