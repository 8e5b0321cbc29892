/**
 * Cognito Streams as deployed (lib/cognito-streams.ts), on a stack of its own with the table and the
 * two functions it is given, synthesized without bundling: the payload bucket (encrypted, private,
 * TLS only, expiring), the BulkPublish worker (its entry, timeout, async retries and failure queue,
 * self-continuation), the grants (sts:AssumeRole scoped to the account's roles, no kinesis:* on any
 * role, the bucket), and cdk-nag's AwsSolutions pack with no finding left.
 */
import { existsSync } from 'node:fs';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { BULK_PUBLISH_WORKER_ENTRY, CognitoStreams, PAYLOAD_EXPIRY, WORKER_RETRY_ATTEMPTS, WORKER_TIMEOUT } from '../../lib/cognito-streams';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, whose shape each assertion states.
type Json = Record<string, any>;

function synth(nag = false) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Streams', { env: { account: '111111111111', region: 'us-east-1' } });
  const table = new Table(stack, 'Table', {
    partitionKey: { name: 'PK', type: AttributeType.STRING },
    sortKey: { name: 'SK', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecovery: true,
  });
  const fn = (id: string) =>
    new LambdaFunction(stack, id, { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=1') });
  const feedFunction = fn('Feed');
  const bulkPublishFunction = fn('BulkPublish');
  const streams = new CognitoStreams(stack, 'CognitoStreams', { table, feedFunction, bulkPublishFunction });
  if (nag) {
    // The stand-ins are not under test: only what the construct adds is.
    for (const c of [table, feedFunction, bulkPublishFunction, feedFunction.role, bulkPublishFunction.role]) {
      if (c)
        NagSuppressions.addResourceSuppressions(c, [
          { id: 'AwsSolutions-IAM4', reason: 'test stand-in' },
          { id: 'AwsSolutions-L1', reason: 'test stand-in' },
          { id: 'AwsSolutions-DDB3', reason: 'test stand-in' },
        ]);
    }
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  }
  return { app, stack, streams, template: Template.fromStack(stack) };
}

const statementsOf = (template: Template): Json[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: Json) => p.Properties.PolicyDocument.Statement as Json[]);
const actionsOf = (statement: Json): string[] => [statement.Action].flat();

describe('Cognito Streams resources', () => {
  it('keeps payloads in a private, encrypted, TLS-only bucket whose objects expire', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: PAYLOAD_EXPIRY.toDays(), Status: 'Enabled' })]) },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('deploys the worker with a 15-minute timeout, two async retries and a failure queue', () => {
    const { template, stack, streams } = synth();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: WORKER_TIMEOUT.toSeconds(),
      Handler: 'index.handler',
      Description: Match.stringLikeRegexp('BulkPublish worker'),
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: WORKER_RETRY_ATTEMPTS,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [stack.getLogicalId(streams.workerFailureQueue.node.defaultChild as never), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('BulkPublish worker') });
    // The entry point the construct names is the worker's handler module.
    expect(existsSync(BULK_PUBLISH_WORKER_ENTRY)).toBe(true);
  });

  it('gives the BulkPublish function the worker to invoke, and the worker itself to continue', () => {
    const { template, stack, streams } = synth();
    const workerArn = { 'Fn::GetAtt': [stack.getLogicalId(streams.worker.node.defaultChild as never), 'Arn'] };
    const invokes = statementsOf(template).filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invokes.length).toBeGreaterThanOrEqual(2);
    for (const s of invokes) expect(JSON.stringify(s.Resource)).toContain(JSON.stringify(workerArn));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SYNC_BULK_PUBLISH_FUNCTION: { Ref: stack.getLogicalId(streams.worker.node.defaultChild as never) } }) },
    });
  });

  it('grants sts:AssumeRole on the account roles only, and no Kinesis action to any role', () => {
    const { template } = synth();
    const statements = statementsOf(template);
    const assume = statements.filter((s) => actionsOf(s).includes('sts:AssumeRole'));
    // The worker and the change feed's function.
    expect(assume).toHaveLength(2);
    for (const s of assume) {
      expect(s.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/*']] });
    }
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('kinesis:'))).toEqual([]);
  });

  it('leaves no cdk-nag AwsSolutions finding', () => {
    const { stack } = synth(true);
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ].map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
    expect(findings).toEqual([]);
  });
});
