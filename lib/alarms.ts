/**
 * The alarms an operator expects: server errors at the API, throttled functions, throttled table
 * requests. Each fires on the first occurrence in five minutes (`alarmThreshold` to change it) and
 * is quiet without data. With `alarmEmail` they notify an SNS topic subscribed to that address;
 * otherwise `topic` is undefined and the alarms only change state (wire your own actions to them).
 *
 * Per-operation latency, errors and conflicts are custom metrics (namespace OpenCognitoSync, see
 * lambdas/src/observability/middleware.ts) for dashboards and further alarms.
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface SyncAlarmsProps {
  readonly api: HttpApi;
  readonly table: ITable;
  /** Functions by operation name. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Where alarms notify. @default no notification */
  readonly alarmEmail?: string;
  /** Count in five minutes at which an alarm fires. @default 1 */
  readonly alarmThreshold?: number;
}

export const ALARM_PERIOD = Duration.minutes(5);

/** The table operations the store issues (lambdas/src/adapters/dynamodb/). */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.QUERY,
  Operation.BATCH_GET_ITEM,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

export class SyncAlarms extends Construct {
  readonly alarms: readonly Alarm[];
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: SyncAlarmsProps) {
    super(scope, id);
    const threshold = props.alarmThreshold ?? 1;
    const alarms: Alarm[] = [];
    const alarm = (alarmId: string, metric: IMetric, description: string) => {
      alarms.push(
        new Alarm(this, alarmId, {
          metric,
          threshold,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
          alarmDescription: description,
        }),
      );
    };

    alarm(
      'ApiServerErrors',
      props.api.metricServerError({ period: ALARM_PERIOD, statistic: 'Sum' }),
      'Cognito Sync API answered 5xx (function errors, timeouts, or InternalErrorException)',
    );
    alarm(
      'TableThrottles',
      props.table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period: ALARM_PERIOD }),
      'DynamoDB throttled requests of the Cognito Sync table',
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Throttles`, fn.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum' }), `Lambda throttled ${name} invocations`);
    }
    this.alarms = alarms;

    if (props.alarmEmail) {
      // enforceSSL: the topic's policy refuses publishing over plain HTTP.
      this.topic = new Topic(this, 'Topic', { displayName: 'Cognito Sync alarms', enforceSSL: true });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      const action = new SnsAction(this.topic);
      for (const a of alarms) {
        a.addAlarmAction(action);
        a.addOkAction(action);
      }
    }
  }
}
