/**
 * The change feed, deployed: one Lambda function on the table's DynamoDB stream (NEW_AND_OLD_IMAGES)
 * running lambdas/src/feed/stream-handler.ts, which hands every committed sync and deletion to the
 * consumers of FEED_CONSUMERS (usage counters, Cognito Streams, push sync).
 *
 * - The event source mapping's filter lets through dataset heads only (`D#...` in an identity's
 *   `I#...` partition), inserted or modified, without a commit mark: never a record item, a value
 *   part, a redo log or the totals. The decoder makes the final call (the count must have moved).
 * - The function reports batch item failures; a failed batch is bisected and retried a bounded
 *   number of times, never past MAX_RECORD_AGE; what is still failing then goes to the on-failure
 *   queue, which keeps for 14 days where it was (shard, sequence numbers), and an alarm fires.
 *   MAX_RECORD_AGE leaves most of the stream's 24 hours to replay those records (README).
 * - Grants: the stream (the event source adds them), and reading record items of the table (Query
 *   on the BySyncCount index, BatchGetItem for large values' parts) in identity partitions only.
 *   Consumers that need more add their own statements to `function`.
 */
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { POOL_PARTITION_PREFIX, SORT_KEY_PREFIX } from '../lambdas/src/adapters/dynamodb/keys';
import { TABLE_KEYS } from '../lambdas/src/adapters/dynamodb/table-schema';
import { DEFAULT_METRICS_NAMESPACE } from '../lambdas/src/observability/config';
import { ALARM_PERIOD } from './alarms';
import { PROJECT_ROOT } from './bundling';
import { suppressNag } from './nag-suppressions';
import { projectFunction } from './project-function';

/** The stream function's entry point (not in lambdas/src/handlers/, which holds the API's). */
export const CHANGE_FEED_ENTRY = path.join(PROJECT_ROOT, 'lambdas', 'src', 'feed', 'stream-handler.ts');

/** The partition-key prefix of an identity's items (keys.ts `identityPartition`). */
const IDENTITY_PARTITION_PREFIX = 'I#';

/** Retries of a failing batch (each bisected first): a consumer outage of minutes is ridden out. */
export const RETRY_ATTEMPTS = 10;
/** Past this age a record goes to the failure queue, leaving 18 of the stream's 24 hours to replay it. */
export const MAX_RECORD_AGE = Duration.hours(6);
/** MB for the feed's function. Not measured like lib/function-sizes.ts (bench/function-memory.ts runs the operations' bundles only). */
export const CHANGE_FEED_MEMORY_MB = 256;
/** As long as SQS keeps anything. */
export const FAILURE_RETENTION = Duration.days(14);

export interface ChangeFeedProps {
  readonly table: ITable;
  /** Lambda active tracing, and Powertools Tracer in the bundle. @default false */
  readonly tracing?: boolean;
  /** @default CHANGE_FEED_MEMORY_MB */
  readonly memorySize?: number;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  readonly metricsNamespace?: string;
}

/** Only dataset heads, inserted or changed, and not while a large commit is only marked (`pending`). */
export const changeFeedFilter = () =>
  FilterCriteria.filter({
    eventName: FilterRule.or('INSERT', 'MODIFY'),
    dynamodb: {
      Keys: {
        [TABLE_KEYS.partitionKey]: { S: FilterRule.beginsWith(IDENTITY_PARTITION_PREFIX) },
        [TABLE_KEYS.sortKey]: { S: FilterRule.beginsWith(SORT_KEY_PREFIX.head) },
      },
      // `exists` works on leaves only: the mark's writer id is one (redo-log.ts PendingCommit).
      NewImage: { pending: { M: { writer: { S: FilterRule.notExists() } } } },
    },
  });

export class ChangeFeed extends Construct {
  readonly function: NodejsFunction;
  /** What could not be delivered after the retries: where in the stream it is. */
  readonly failureQueue: Queue;
  /** Fires when the failure queue holds anything. */
  readonly failureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ChangeFeedProps) {
    super(scope, id);
    const { function: fn, role } = projectFunction(this, 'Function', {
      description: 'Cognito Sync change feed: committed syncs from the table stream to usage counters, Cognito Streams and push sync',
      entry: CHANGE_FEED_ENTRY,
      roleDescription: 'open-cognito-sync change feed function',
      memorySize: props.memorySize ?? CHANGE_FEED_MEMORY_MB,
      timeout: Duration.minutes(1),
      tracing: props.tracing ?? false,
      logRetention: props.logRetention,
      metricsNamespace: props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE,
      environment: { SYNC_TABLE_NAME: props.table.tableName },
      // The ids the construct had before the factory: they name the deployed log group and role.
      logGroupId: 'Logs',
      roleId: 'Role',
    });
    this.function = fn;
    // The records of a committed sync: the BySyncCount index, and the parts of large values.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:BatchGetItem', 'dynamodb:Query'],
        resources: [props.table.tableArn, `${props.table.tableArn}/index/${TABLE_KEYS.bySyncCountIndex}`],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${IDENTITY_PARTITION_PREFIX}*`] } },
      }),
    );
    // The usage counters (lambdas/src/feed/usage-counters.ts): a dataset's mark and its pool's shard, in one
    // transaction (each item authorized by its own action); `P#` items only (pool-usage-keys.ts).
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${POOL_PARTITION_PREFIX}*`] } },
      }),
    );

    this.failureQueue = new Queue(this, 'FailureQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: FAILURE_RETENTION,
    });

    this.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        retryAttempts: RETRY_ATTEMPTS,
        maxRecordAge: MAX_RECORD_AGE,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.failureQueue),
        filters: [changeFeedFilter()],
      }),
    );

    this.failureAlarm = new Alarm(this, 'FailureQueueAlarm', {
      metric: this.failureQueue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Change feed: stream records could not be delivered after their retries (see the queue, then replay: README "After a write")',
    });

    suppressNag(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason: 'Node.js 22 is pinned on purpose, as for every function of the stack: the bundles are built for node22 (lib/bundling.ts NODE_TARGET).',
      },
    ]);
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      suppressNag(policy, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'dynamodb:ListStreams has no resource-level permissions (the event source grant uses Resource *), nor do ' +
            'xray:PutTraceSegments/PutTelemetryRecords with tracing on. The stream and table statements name the table.',
          appliesTo: ['Resource::*'],
        },
      ]);
    }
    suppressNag(this.failureQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason: "This queue is the event source mapping's on-failure destination (a dead-letter queue itself); nothing consumes it but an operator replaying.",
      },
    ]);
  }

  /** Alarm notifications to the stack's alarm topic, as the other alarms (lib/alarms.ts). */
  notify(topic: ITopic | undefined): void {
    if (!topic) return;
    const action = new SnsAction(topic);
    this.failureAlarm.addAlarmAction(action);
    this.failureAlarm.addOkAction(action);
  }
}
