/**
 * The change feed as deployed (lib/change-feed.ts), synthesized without bundling: the stream on the
 * same table (logical id unchanged, NEW_AND_OLD_IMAGES), the function's event source mapping (filter
 * to committed dataset heads, batch item failures, bisect, bounded retries and record age, the SQS
 * on-failure destination), the queue (encrypted, TLS only, 14 days), its alarm, and the function's
 * grants (read records only, in identity partitions).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnResource } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { CHANGE_FEED_ENTRY, MAX_RECORD_AGE, RETRY_ATTEMPTS } from '../../lib/change-feed';
import { CognitoSyncStack, type CognitoSyncStackProps } from '../../lib/sync-stack';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk CloudFormation JSON whose shape each assertion states.
type Json = Record<string, any>;

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

function synth(props: CognitoSyncStackProps = {}) {
  const app = new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CognitoSyncStack(app, 'OpenCognitoSync', { env: { account: '111111111111', region: 'us-east-1' }, ...props });
  const template = Template.fromStack(stack);
  const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
  return { stack, template, id };
}

const only = (template: Template, type: string): [string, Json] => {
  const found = Object.entries(template.findResources(type));
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Json];
};

/**
 * Lambda's event filter rules as far as the feed's pattern uses them: nested objects, lists of
 * values (equality), `prefix`, and `exists: false` on a leaf.
 */
function matches(pattern: Json, event: Json | undefined): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const value = event?.[key];
    if (!Array.isArray(rule)) return matches(rule, value);
    return rule.some((r: unknown) => {
      if (typeof r !== 'object' || r === null) return value === r;
      const op = r as Json;
      if ('prefix' in op) return typeof value === 'string' && value.startsWith(op.prefix);
      if ('exists' in op) return (value !== undefined) === op.exists;
      throw new Error(`rule not understood here: ${JSON.stringify(op)}`);
    });
  });
}

const PK = 'I#us-east-1:11111111-2222-3333-4444-555555555555#us-east-1:identity';
const streamRecord = (eventName: string, keys: Json, newImage?: Json): Json => ({
  eventName,
  dynamodb: { Keys: marshall(keys), ...(newImage ? { NewImage: marshall(newImage) } : {}) },
});

describe('change feed, deployed', () => {
  const { stack, template, id } = synth();
  const feed = stack.changeFeed;

  it('keeps the table (same logical id) with a NEW_AND_OLD_IMAGES stream: an in-place update', () => {
    const [tableId, table] = only(template, 'AWS::DynamoDB::Table');
    expect(tableId).toBe('StoreTable0CCFA19B');
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('runs the stream handler, bundled like the other functions', () => {
    const fn = template.findResources('AWS::Lambda::Function')[id(feed.function)];
    expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs22.x', Architectures: ['arm64'], LoggingConfig: { LogFormat: 'JSON' } });
    expect(fn.Properties.Environment.Variables.SYNC_TABLE_NAME).toEqual({ Ref: 'StoreTable0CCFA19B' });
    expect(CHANGE_FEED_ENTRY).toMatch(/lambdas\/src\/feed\/stream-handler\.ts$/);
  });

  it('maps the stream with a filter, batch item failures, bisection, bounded retries and age, and an SQS on-failure destination', () => {
    const [, mapping] = only(template, 'AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties).toMatchObject({
      FunctionName: { Ref: id(feed.function) },
      EventSourceArn: { 'Fn::GetAtt': ['StoreTable0CCFA19B', 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: MAX_RECORD_AGE.toSeconds(),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [id(feed.failureQueue), 'Arn'] } } },
    });
    expect(RETRY_ATTEMPTS).toBeLessThan(100);
    // Past a day the stream has dropped the record: the age must leave time to replay it.
    expect(MAX_RECORD_AGE.toHours()).toBeLessThanOrEqual(12);

    const filters = mapping.Properties.FilterCriteria.Filters as { Pattern: string }[];
    expect(filters).toHaveLength(1);
    const pattern = JSON.parse(filters[0].Pattern) as Json;
    const head = { PK, SK: 'D#settings' };
    const committed = { ...head, syncCount: 2, deleted: false };
    expect(matches(pattern, streamRecord('MODIFY', head, committed))).toBe(true);
    expect(matches(pattern, streamRecord('INSERT', head, committed))).toBe(true);
    expect(matches(pattern, streamRecord('MODIFY', head, { ...committed, deleted: true }))).toBe(true);
    // A large commit only marked, a record item, a value part, a log, the totals, a pool item, a removal: not invoked.
    expect(matches(pattern, streamRecord('MODIFY', head, { ...committed, pending: { syncCount: 3, writer: 'w', logParts: 1, leaseUntil: 1, head: {} } }))).toBe(
      false,
    );
    for (const SK of ['R#settings#=a', 'V#settings#00000000000000000002#0#=a', 'L#settings#00000000000000000003#w#0', 'SUMMARY']) {
      expect(matches(pattern, streamRecord('INSERT', { PK, SK }, { PK, SK })), SK).toBe(false);
    }
    expect(matches(pattern, streamRecord('MODIFY', { PK: 'P#us-east-1:pool', SK: 'D#x' }, { PK: 'P#us-east-1:pool', SK: 'D#x' }))).toBe(false);
    expect(matches(pattern, streamRecord('REMOVE', head))).toBe(false);
  });

  it('keeps failures 14 days in an encrypted, TLS-only queue, and alarms when it holds any', () => {
    // The feed's own queue: the BulkPublish worker has one too (test/infra/cognito-streams.test.ts).
    const queueId = id(feed.failureQueue);
    const queue = template.findResources('AWS::SQS::Queue')[queueId] as Json;
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const [, policy] = Object.entries(template.findResources('AWS::SQS::QueuePolicy')).find(([, p]) =>
      JSON.stringify(p.Properties.Queues).includes(queueId),
    ) as [string, Json];
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const alarm = template.findResources('AWS::CloudWatch::Alarm')[id(feed.failureAlarm)];
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('lets the function read records in identity partitions only, and write only pool items (usage counters)', () => {
    const roleId = id(feed.function.role as never);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: Json) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId))
      .flatMap((p: Json) => p.Properties.PolicyDocument.Statement as Json[]);
    const STREAM_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
    const isStreamStatement = (s: Json) => [s.Action].flat().every((a: string) => STREAM_ACTIONS.includes(a));
    for (const s of statements.filter(isStreamStatement).filter((s) => s.Resource !== '*')) {
      expect(s.Resource).toEqual({ 'Fn::GetAtt': ['StoreTable0CCFA19B', 'StreamArn'] });
    }
    const tableStatements = statements.filter((s) => !isStreamStatement(s) && [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(tableStatements).toEqual([
      {
        Action: ['dynamodb:BatchGetItem', 'dynamodb:Query'],
        Effect: 'Allow',
        Resource: [
          { 'Fn::GetAtt': ['StoreTable0CCFA19B', 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['StoreTable0CCFA19B', 'Arn'] }, '/index/BySyncCount']] },
        ],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['I#*'] } },
      },
      // The usage counters: their pool's items only.
      {
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': ['StoreTable0CCFA19B', 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['P#*'] } },
      },
    ]);
  });

  it('notifies the alarm topic with the other alarms', () => {
    const { template: withEmail, stack: emailed, id: idOf } = synth({ alarmEmail: 'ops@example.com' });
    const alarm = withEmail.findResources('AWS::CloudWatch::Alarm')[idOf(emailed.changeFeed.failureAlarm)];
    const topicRef = { Ref: idOf(emailed.alarms.topic as never) };
    expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
    expect(alarm.Properties.OKActions).toEqual([topicRef]);
  });
});
