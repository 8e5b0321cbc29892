/**
 * Cognito Streams, deployed: the bucket for payloads too large for a Kinesis record, the BulkPublish
 * worker function, and the grants of the functions that write to developers' streams.
 *
 * - Payload bucket: private (all public access blocked), S3-managed encryption, TLS only, objects
 *   expire after PAYLOAD_EXPIRY (past Kinesis's default 24-hour retention, their records are gone).
 *   The URLs in stream records are presigned by the writing function with its own role.
 * - Kinesis: no function of this stack is granted kinesis:* at all. Records are written with the
 *   credentials of the developer's role (CognitoStreams.RoleArn), which the functions may only
 *   assume (sts:AssumeRole on roles of this account), with the identity pool id as external id;
 *   the README shows the trust policy that role needs.
 * - BulkPublish worker: invoked asynchronously by the BulkPublish function (and by itself, to
 *   continue a job before its 15-minute limit); Lambda retries a failed run twice, each resuming from
 *   the job's checkpoint, then hands the invocation to the failure queue, and an alarm fires.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../lambdas/src/adapters/dynamodb/table-schema';
import { DEFAULT_METRICS_NAMESPACE } from '../lambdas/src/observability/config';
import { ALARM_PERIOD } from './alarms';
import { PROJECT_ROOT } from './bundling';
import { suppressNag } from './nag-suppressions';
import { projectFunction } from './project-function';

/** The worker function's entry point (not in lambdas/src/handlers/, which holds the API's). */
export const BULK_PUBLISH_WORKER_ENTRY = path.join(PROJECT_ROOT, 'lambdas', 'src', 'workers', 'bulk-publish-handler.ts');

/** Payload objects live this long: a day past Kinesis's default retention of the records pointing at them. */
export const PAYLOAD_EXPIRY = Duration.days(2);
/** Lambda's most: the worker stops RUN_MARGIN_MS before it and continues in a fresh invocation. */
export const WORKER_TIMEOUT = Duration.minutes(15);
/** MB for the worker. Not measured like lib/function-sizes.ts (bench/function-memory.ts runs the operations' bundles only). */
export const WORKER_MEMORY_MB = 512;
/** Retries Lambda makes of a failed asynchronous run (its maximum), each resuming from the checkpoint. */
export const WORKER_RETRY_ATTEMPTS = 2;

/** What the functions writing to developers' streams may do with the developers' roles. */
export const assumeDeveloperRoles = (stack: Stack) =>
  new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' })] });

export interface CognitoStreamsProps {
  readonly table: ITable;
  /** The change feed's function: its Cognito Streams consumer writes each committed sync. */
  readonly feedFunction: LambdaFunction;
  /** The BulkPublish operation's function: it launches the worker. */
  readonly bulkPublishFunction: LambdaFunction;
  /** @default false */
  readonly tracing?: boolean;
  /** @default one month */
  readonly logRetention?: RetentionDays;
}

export class CognitoStreams extends Construct {
  readonly payloadBucket: Bucket;
  readonly worker: NodejsFunction;
  /** Worker invocations whose every retry failed. */
  readonly workerFailureQueue: Queue;
  readonly workerFailureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: CognitoStreamsProps) {
    super(scope, id);

    this.payloadBucket = new Bucket(this, 'Payloads', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: PAYLOAD_EXPIRY, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // Only short-lived copies of what the table holds: nothing to keep when the stack goes.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.workerFailureQueue = new Queue(this, 'WorkerFailureQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const { function: worker, role } = projectFunction(this, 'Worker', {
      description: 'Cognito Sync BulkPublish worker: publishes every live dataset of a pool to its Cognito Stream',
      entry: BULK_PUBLISH_WORKER_ENTRY,
      roleDescription: 'open-cognito-sync BulkPublish worker',
      memorySize: WORKER_MEMORY_MB,
      timeout: WORKER_TIMEOUT,
      tracing: props.tracing ?? false,
      logRetention: props.logRetention,
      metricsNamespace: DEFAULT_METRICS_NAMESPACE,
      // SYNC_STREAM_PAYLOAD_BUCKET comes with grantPublishing, as for the change feed.
      environment: { SYNC_TABLE_NAME: props.table.tableName },
      retryAttempts: WORKER_RETRY_ATTEMPTS,
      onFailure: new SqsDestination(this.workerFailureQueue),
    });
    this.worker = worker;
    // The scan of the pool's dataset heads, their records (settling a commit in flight, as every
    // reader does), the job's checkpoint and the streaming switch on the pool's items.
    this.worker.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:Scan',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:BatchGetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:BatchWriteItem',
        ],
        resources: [props.table.tableArn, `${props.table.tableArn}/index/${TABLE_KEYS.bySyncCountIndex}`],
      }),
    );
    // Continuing itself: a policy of its own, since the role's default policy is one the function depends on.
    new Policy(this, 'WorkerContinues', {
      roles: [role],
      statements: [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.worker.functionArn] })],
    });
    this.grantPublishing(this.worker);

    this.grantPublishing(props.feedFunction);
    // The feed's consumer switches streaming off on the pool's settings item when the target is gone.
    props.feedFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['P#*'] } },
      }),
    );
    // The function itself, not `:*` (its versions) as grantInvoke would: BulkPublish invokes $LATEST.
    props.bulkPublishFunction.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.worker.functionArn] }));
    props.bulkPublishFunction.addEnvironment('SYNC_BULK_PUBLISH_FUNCTION', this.worker.functionName);

    this.workerFailureAlarm = new Alarm(this, 'WorkerFailureAlarm', {
      metric: this.workerFailureQueue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'BulkPublish worker: a run failed after its retries (the job stays IN_PROGRESS; a BulkPublish 20 minutes on relaunches it)',
    });

    this.suppressAcceptedFindings();
  }

  /** Alarm notifications to the stack's alarm topic, as the other alarms (lib/alarms.ts). */
  notify(topic: ITopic | undefined): void {
    if (!topic) return;
    const action = new SnsAction(topic);
    this.workerFailureAlarm.addAlarmAction(action);
    this.workerFailureAlarm.addOkAction(action);
  }

  /** Writing to developers' streams: assume their roles, store and presign payloads. */
  grantPublishing(fn: LambdaFunction): void {
    fn.addToRolePolicy(assumeDeveloperRoles(Stack.of(this)));
    this.payloadBucket.grantPut(fn);
    // Presigning a GET signs with the function's own credentials: they must be allowed to read.
    this.payloadBucket.grantRead(fn);
    fn.addEnvironment('SYNC_STREAM_PAYLOAD_BUCKET', this.payloadBucket.bucketName);
    const policy = fn.role?.node.tryFindChild('DefaultPolicy');
    if (policy) suppressNag(policy, [PUBLISHING_WILDCARDS]);
  }

  private suppressAcceptedFindings(): void {
    suppressNag(this.worker, [
      {
        id: 'AwsSolutions-L1',
        reason: 'Node.js 22 is pinned on purpose, as for every function of the stack: the bundles are built for node22 (lib/bundling.ts NODE_TARGET).',
      },
    ]);
    suppressNag(this.payloadBucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          "The bucket holds only short-lived copies (2 days) of dataset contents already in the table, written and presigned by this stack's functions; " +
          'their CloudTrail and the Kinesis records say who wrote what. An access-log bucket would keep more than the data itself.',
      },
    ]);
    suppressNag(this.workerFailureQueue, [
      { id: 'AwsSolutions-SQS3', reason: "This queue is the worker's asynchronous on-failure destination (a dead-letter queue itself)." },
    ]);
  }
}

/** The wildcards of a function that writes to developers' streams (grantPublishing), and why. */
const PUBLISHING_WILDCARDS = {
  id: 'AwsSolutions-IAM5',
  reason:
    "sts:AssumeRole on this account's roles: the developer names the role in CognitoStreams.RoleArn at run time, as with Cognito; the role's own trust " +
    "policy (principal this function's role, external id the pool id) decides. Bucket object actions name the payload bucket's objects (<bucket>/*). " +
    'xray:* with tracing on and dynamodb:ListStreams have no resource-level permissions.',
  appliesTo: [
    'Resource::*',
    { regex: '/^Resource::arn:.+:iam::[^:]+:role\\/\\*$/' },
    { regex: '/^Action::s3:.*\\*$/' },
    { regex: '/^Resource::<.*Payloads.*\\.Arn>/\\*$/' },
  ],
};
