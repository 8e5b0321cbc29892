/**
 * The sync trigger's invoke grant in the synthesized template: only UpdateRecords may invoke, only
 * the functions the stack lists (with their versions and aliases) or, by default, this account's and
 * region's functions named `cognito-sync-trigger-*`, never `*`; and UpdateRecords' timeout leaves
 * room for the trigger's 5 s.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SYNC_TRIGGER_TIMEOUT_MS } from '../../lambdas/src/domain/records/sync-trigger-step';
import { FUNCTION_TIMEOUT } from '../../lib/sync-api';
import { CognitoSyncStack, type CognitoSyncStackProps } from '../../lib/sync-stack';

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

// biome-ignore lint/suspicious/noExplicitAny: the tests walk CloudFormation JSON whose shape each assertion states.
type Json = Record<string, any>;

function synth(props: CognitoSyncStackProps = {}) {
  const app = new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CognitoSyncStack(app, 'OpenCognitoSync', { env: { account: '111111111111', region: 'us-east-1' }, ...props });
  return { stack, template: Template.fromStack(stack) };
}

/** Every statement granting lambda:InvokeFunction, with the logical ids of the roles it is attached to. */
function invokeGrants(template: Template): { roles: string[]; resources: unknown[] }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy: Json) =>
    (policy.Properties.PolicyDocument.Statement as Json[])
      .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'))
      .map((s) => ({ roles: (policy.Properties.Roles as Json[]).map((r) => r.Ref as string), resources: [s.Resource].flat() })),
  );
}

describe('the sync trigger grant', () => {
  const { stack, template } = synth();
  const updateRecordsRole = stack.getLogicalId(stack.api.operations.UpdateRecords.function.role!.node.defaultChild as never);

  it('lets UpdateRecords invoke the functions named cognito-sync-trigger-* of its account and region, and nothing else', () => {
    const grants = invokeGrants(template);
    const ofUpdateRecords = grants.filter((g) => g.roles.includes(updateRecordsRole));
    expect(ofUpdateRecords).toHaveLength(1);
    expect(ofUpdateRecords[0].resources).toEqual([
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':lambda:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':function:cognito-sync-trigger-*'],
        ],
      },
    ]);
    // Nobody may invoke every function, and nobody else may invoke the triggers.
    expect(grants.flatMap((g) => g.resources)).not.toContain('*');
    const others = grants.filter((g) => !g.roles.includes(updateRecordsRole));
    expect(JSON.stringify(others)).not.toContain('cognito-sync-trigger-');
  });

  it('grants exactly the functions the stack lists, with their versions and aliases, when it lists some', () => {
    const arn = 'arn:aws:lambda:us-east-1:111111111111:function:score-guard';
    const listed = synth({ syncTriggerFunctions: [arn] });
    const role = listed.stack.getLogicalId(listed.stack.api.operations.UpdateRecords.function.role!.node.defaultChild as never);
    const grants = invokeGrants(listed.template).filter((g) => g.roles.includes(role));
    expect(grants).toHaveLength(1);
    expect(grants[0].resources).toEqual([arn, `${arn}:*`]);
  });

  it('leaves UpdateRecords time for a trigger that takes its whole 5 s', () => {
    expect(FUNCTION_TIMEOUT.toSeconds() * 1000).toBeGreaterThanOrEqual(SYNC_TRIGGER_TIMEOUT_MS * 3);
    const fn = template.findResources('AWS::Lambda::Function')[stack.getLogicalId(stack.api.operations.UpdateRecords.function.node.defaultChild as never)];
    expect(fn.Properties.Timeout).toBe(FUNCTION_TIMEOUT.toSeconds());
  });
});
