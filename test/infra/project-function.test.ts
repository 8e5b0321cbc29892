/**
 * What every function of the stack shares (lib/project-function.ts), checked over every
 * AWS::Lambda::Function of the synthesized stack, drop-in mode included, so that a function made
 * some other way, or a construct that forgets to hand down a stack setting, shows up here.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { OPERATION_LIST } from '../../lambdas/src/operations';
import { CHANGE_FEED_MEMORY_MB } from '../../lib/change-feed';
import { WORKER_MEMORY_MB } from '../../lib/cognito-streams';
import { RELAY_MEMORY_MB } from '../../lib/drop-in';
import { operationMemoryMb, UNKNOWN_ROUTE_MEMORY_MB } from '../../lib/function-sizes';
import { CognitoSyncStack, type CognitoSyncStackProps } from '../../lib/sync-stack';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk CloudFormation JSON whose shape each assertion states.
type Json = Record<string, any>;

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

/** The stack as `cdk synth` builds it (cdk.json's feature flags), without bundling, in drop-in mode: every function there is. */
function synth(props: CognitoSyncStackProps = {}) {
  const app = new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CognitoSyncStack(app, 'OpenCognitoSync', { env: { account: '111111111111', region: 'us-east-1' }, dropIn: true, ...props });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Json>;
  const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  return { stack, resources, functions };
}

/** The logical ids a function's properties refer to with `Ref` or `Fn::GetAtt`. */
const refersTo = (value: unknown): string => {
  const ref = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return ref.Ref ?? ref['Fn::GetAtt']?.[0] ?? '';
};

/** Logical ids that appear more than once. */
const repeated = (ids: string[]): string[] => ids.filter((id, i) => ids.indexOf(id) !== i);

describe('every function of the stack', () => {
  it('runs Node.js 22 on arm64 with source maps, JSON logs at INFO into a log group and a role of its own', () => {
    const { resources, functions } = synth();
    // The 17 operations, the unknown route, the change feed, the BulkPublish worker and the drop-in relay.
    expect(functions).toHaveLength(OPERATION_LIST.length + 4);
    for (const [id, fn] of functions) {
      const p = fn.Properties;
      expect(p, id).toMatchObject({
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' },
      });
      expect(p.Environment.Variables.NODE_OPTIONS, id).toBe('--enable-source-maps');
      // Stated for each function: Lambda's 3 s default fits none of them.
      expect(p.Timeout, id).toBeGreaterThan(3);
      expect(p.TracingConfig, id).toBeUndefined();
      // A function with Powertools keeps users' data out of its traces.
      if (p.Environment.Variables.POWERTOOLS_SERVICE_NAME !== undefined) {
        expect(p.Environment.Variables, id).toMatchObject({ POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false', POWERTOOLS_TRACER_CAPTURE_ERROR: 'false' });
      }

      const logGroup = resources[refersTo(p.LoggingConfig.LogGroup)];
      expect(logGroup?.Type, id).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties.RetentionInDays, id).toBe(30);
      expect(logGroup.DeletionPolicy, id).toBe('Delete');

      const roleId = refersTo(p.Role);
      expect(resources[roleId]?.Type, id).toBe('AWS::IAM::Role');
      expect(resources[roleId].Properties.ManagedPolicyArns, `${id}: no AWSLambdaBasicExecutionRole`).toBeUndefined();
      const logStatements = Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as Json[]).some((role) => role.Ref === roleId))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Json[])
        .filter((s) => [s.Action].flat().some((a: string) => a.startsWith('logs:')));
      expect(logStatements, id).toEqual([
        { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [refersTo(p.LoggingConfig.LogGroup), 'Arn'] } },
      ]);
    }
    expect(repeated(functions.map(([, fn]) => refersTo(fn.Properties.LoggingConfig.LogGroup))), 'shared log groups').toEqual([]);
    expect(repeated(functions.map(([, fn]) => refersTo(fn.Properties.Role))), 'shared roles').toEqual([]);
  });

  it('gets the measured size of its kind', () => {
    const { stack, functions } = synth();
    const memoryById = new Map(functions.map(([id, fn]) => [id, fn.Properties.MemorySize]));
    const logicalId = (fn: { node: { defaultChild?: unknown } }) => stack.getLogicalId(fn.node.defaultChild as CfnFunction);
    const expected = new Map<string, number>([
      ...OPERATION_LIST.map((op): [string, number] => [logicalId(stack.api.operations[op.name].function), operationMemoryMb(op)]),
      [logicalId(stack.api.unknownRoute), UNKNOWN_ROUTE_MEMORY_MB],
      [logicalId(stack.changeFeed.function), CHANGE_FEED_MEMORY_MB],
      [logicalId(stack.cognitoStreams.worker), WORKER_MEMORY_MB],
      [logicalId(stack.dropIn!.relay), RELAY_MEMORY_MB],
    ]);
    // Every function is one of these: a new one must say what size it gets.
    expect(memoryById).toEqual(expected);
  });

  it("takes the stack's tracing and log retention, every one of them", () => {
    const { resources, functions } = synth({ tracing: true, logRetention: RetentionDays.ONE_WEEK });
    for (const [id, fn] of functions) {
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(resources[refersTo(fn.Properties.LoggingConfig.LogGroup)].Properties.RetentionInDays, id).toBe(7);
    }
  });
});
