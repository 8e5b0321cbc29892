/**
 * Push sync's grants as deployed (lib/push-sync-grant.ts): RegisterDevice may assume this account's
 * roles (the pool's PushSync.RoleArn) and nothing of SNS; SubscribeToDataset and
 * UnsubscribeFromDataset get no STS grant; no role of the stack has any sns:* action; cdk-nag's
 * AwsSolutions pack has no finding on the grant.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { OperationName } from '../../lambdas/src/operations';
import { grantPushSyncRoles } from '../../lib/push-sync-grant';
import { CognitoSyncStack } from '../../lib/sync-stack';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, whose shape each assertion states.
type Json = Record<string, any>;

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
const ACCOUNT_ROLES = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/*']] };
const actionsOf = (statement: Json): string[] => [statement.Action].flat();

describe('the whole stack', () => {
  const app = new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CognitoSyncStack(app, 'OpenCognitoSync', { env: { account: '111111111111', region: 'us-east-1' } });
  const template = Template.fromStack(stack);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Json[];

  /** The statements of the policy on an operation function's role. */
  const statementsOf = (name: OperationName): Json[] => {
    const roleId = stack.getLogicalId(stack.api.operations[name].function.role?.node.defaultChild as never);
    return policies.filter((p) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]);
  };

  it("lets RegisterDevice assume this account's roles, and only that of STS", () => {
    const assume = statementsOf('RegisterDevice').filter((s) => actionsOf(s).some((a) => a.startsWith('sts:')));
    // cdk.json's flags resolve the partition of an environment-bound stack to a literal.
    expect(assume).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: 'arn:aws:iam::111111111111:role/*' }]);
  });

  it('gives SubscribeToDataset and UnsubscribeFromDataset, which touch the table only, no STS grant', () => {
    for (const name of ['SubscribeToDataset', 'UnsubscribeFromDataset'] as const) {
      expect(
        statementsOf(name)
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('sts:')),
        name,
      ).toEqual([]);
    }
  });

  it('grants no sns:* action to any role: SNS is called with the pool role only', () => {
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]).flatMap(actionsOf);
    expect(actions.filter((a) => a.toLowerCase().startsWith('sns:'))).toEqual([]);
  });
});

describe('grantPushSyncRoles', () => {
  it('leaves no cdk-nag AwsSolutions finding', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Push', { env: { account: '111111111111', region: 'us-east-1' } });
    const fn = new LambdaFunction(stack, 'RegisterDevice', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler=1'),
    });
    grantPushSyncRoles(fn);
    // The stand-in is not under test: only the grant is.
    NagSuppressions.addResourceSuppressions(fn, [{ id: 'AwsSolutions-L1', reason: 'test stand-in' }]);
    if (fn.role) NagSuppressions.addResourceSuppressions(fn.role, [{ id: 'AwsSolutions-IAM4', reason: 'test stand-in' }]);
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: ACCOUNT_ROLES }]) },
    });
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ];
    expect(findings.map((f) => f.entry.data)).toEqual([]);
  });
});
