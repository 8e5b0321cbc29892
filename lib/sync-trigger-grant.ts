/**
 * What the UpdateRecords function may invoke as a pool's sync trigger (Cognito Events).
 *
 * On Cognito Sync, each trigger function carried a resource policy letting the service principal
 * `cognito-sync.amazonaws.com` invoke it for the pool. Here the caller is this stack's UpdateRecords
 * function, so the grant is on its role instead: `lambda:InvokeFunction` on the functions the stack
 * lists (`syncTriggerFunctions`), or, by default, on the functions of this account and region whose
 * names start with SYNC_TRIGGER_FUNCTION_PREFIX. Never `*`: a pool's events name any ARN a developer
 * typed, and the role must not become a way to invoke everything in the account.
 */
import { Aws } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { suppressNag } from './nag-suppressions';

/** The default: trigger functions are named `cognito-sync-trigger-<anything>`. */
export const SYNC_TRIGGER_FUNCTION_PREFIX = 'cognito-sync-trigger-';

/** The function ARNs granted: those listed (each also with any version or alias), or the prefix's. */
export function syncTriggerResources(functions: readonly string[] | undefined): string[] {
  if (functions && functions.length > 0) return functions.flatMap((arn) => [arn, `${arn}:*`]);
  return [`arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:${SYNC_TRIGGER_FUNCTION_PREFIX}*`];
}

/** Lets `updateRecords` invoke the sync triggers: one statement in its role's policy. */
export function grantSyncTriggerInvoke(updateRecords: IFunction, functions: readonly string[] | undefined): void {
  updateRecords.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: syncTriggerResources(functions) }));
  const policy = updateRecords.role?.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error('UpdateRecords has no role policy to grant the sync trigger in');
  suppressNag(policy, [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        `Sync triggers are named by developers at run time (SetCognitoEvents), so the grant names them by prefix ` +
        `(${SYNC_TRIGGER_FUNCTION_PREFIX}*) in this account and region, or each listed function with any version or alias; never every function.`,
      appliesTo: [{ regex: '/^Resource::arn:.*:lambda:.*:function:.*\\*$/' }],
    },
  ]);
}
