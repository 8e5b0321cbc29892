/**
 * What push sync may do, deployed. RegisterDevice creates and updates SNS platform endpoints, and
 * the change feed's notifier publishes to them, always with the credentials of the role the pool's
 * configuration names (PushSync.RoleArn), as Cognito Sync did. So no function of this stack is
 * granted any sns:* action: RegisterDevice may only assume roles of this account
 * (`sts:AssumeRole` on `arn:<partition>:iam::<account>:role/*`; the pool id is sent as the external
 * id), and the role's own trust policy decides (README "Push sync"). The change feed's function has
 * the same grant already, for Cognito Streams (lib/cognito-streams.ts `assumeDeveloperRoles`).
 * SubscribeToDataset and UnsubscribeFromDataset touch the table only and get no STS grant.
 */
import { Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { assumeDeveloperRoles } from './cognito-streams';
import { suppressNag } from './nag-suppressions';

export function grantPushSyncRoles(registerDevice: IFunction): void {
  registerDevice.addToRolePolicy(assumeDeveloperRoles(Stack.of(registerDevice)));
  const policy = registerDevice.role?.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error('RegisterDevice has no role policy to grant push sync in');
  suppressNag(policy, [
    {
      id: 'AwsSolutions-IAM5',
      reason:
        "sts:AssumeRole on this account's roles: the developer names the push sync role in PushSync.RoleArn at run time, as with Cognito; " +
        "the role's own trust policy (principal this function's role, external id the pool id) decides. No sns:* action is granted to any function.",
      // The partition is a token on a stack without a region, a literal (aws) with one.
      appliesTo: [{ regex: '/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):iam::[^:]+:role\\/\\*$/' }],
    },
  ]);
}
