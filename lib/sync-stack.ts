/**
 * The whole deployment: `cdk deploy` this into an account and point the apps at `EndpointUrl`.
 *
 *   table (lib/sync-table.ts) <- one function per operation <- HTTP API, IAM auth (lib/sync-api.ts)
 *   token key (Secrets Manager), identity pool roles (lib/identity-callers.ts), alarms (lib/alarms.ts)
 *
 * Everything per operation comes from the operation table (lambdas/src/operations.ts).
 */
import { Aws, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { OPERATION_NAMES } from '../lambdas/src/operations';
import { SyncAlarms } from './alarms';
import { ChangeFeed } from './change-feed';
import { CognitoStreams } from './cognito-streams';
import { DropInMode } from './drop-in';
import { IdentityCallers, type IdentityPoolLoginProviders } from './identity-callers';
import { suppressAcceptedFindings } from './nag-suppressions';
import { DEFAULT_THROTTLE, SyncApi } from './sync-api';
import { SyncTable } from './sync-table';

export interface CognitoSyncStackProps extends StackProps {
  /** Authenticated role of the existing identity pool whose identities call the API. */
  readonly authenticatedRoleName?: string;
  /** Unauthenticated role of that pool. */
  readonly unauthenticatedRoleName?: string;
  /** Create an identity pool (with both roles) instead of naming an existing pool's roles. @default false */
  readonly createIdentityPool?: boolean;
  /** For a created identity pool. @default false */
  readonly allowUnauthenticatedIdentities?: boolean;
  /** X-Ray: Lambda active tracing and Powertools Tracer in the functions. @default false */
  readonly tracing?: boolean;
  /** Keep the table (retain policy, deletion protection) when the stack goes. @default true */
  readonly retainData?: boolean;
  /** Alarm notifications to this address (SNS email subscription). @default none */
  readonly alarmEmail?: string;
  /** MB for every function. @default measured per kind of function (lib/function-sizes.ts) */
  readonly memorySize?: number;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  /** Origins browsers may call from. @default ['*'] */
  readonly corsAllowOrigins?: readonly string[];
  /**
   * Principals that are developers (may act for every identity of the account's pools), as ARN
   * patterns with `*`, matched against the signer's ARN (`arn:aws:iam::<account>:user/<name>`,
   * `arn:aws:sts::<account>:assumed-role/<role>/<session>`, `arn:aws:iam::<account>:root`). The
   * identity pool roles named here or created are never developers, whatever the patterns say.
   * @default DEFAULT_DEVELOPER_PRINCIPALS: the deploying account's IAM users, assumed roles and root
   */
  readonly developerPrincipals?: readonly string[];
  /** Stage throttling, steady requests per second. @default 1000 */
  readonly throttlingRateLimit?: number;
  /** Stage throttling, burst. @default 2000 */
  readonly throttlingBurstLimit?: number;
  /** Reserved concurrency of each operation's function (README "Abuse limits"). @default none */
  readonly reservedConcurrency?: number;
  /**
   * Lambda function ARNs UpdateRecords may invoke as sync triggers (SetCognitoEvents' SyncTrigger).
   * @default the functions of this account and region named `cognito-sync-trigger-*`
   */
  readonly syncTriggerFunctions?: readonly string[];
  /** Sign-in providers of the created identity pool (`createIdentityPool`). @default none */
  readonly loginProviders?: IdentityPoolLoginProviders;
  /**
   * Drop-in mode (lib/drop-in.ts): a second HTTP API where unmodified apps, signing for
   * `cognito-sync`, get their credentials through a Cognito Identity relay and sync. @default false
   */
  readonly dropIn?: boolean;
}

/**
 * Developers when `developerPrincipals` is not given: any IAM user, any assumed role (SSO and
 * admin roles included) and the root user of the account the stack is deployed in. This is what
 * `execute-api:Invoke` in that account allowed before the list existed, now with a name, and
 * without the identity pool roles.
 */
export const DEFAULT_DEVELOPER_PRINCIPALS: readonly string[] = [
  `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:user/*`,
  `arn:${Aws.PARTITION}:sts::${Aws.ACCOUNT_ID}:assumed-role/*`,
  `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`,
];

export class CognitoSyncStack extends Stack {
  readonly table: SyncTable;
  readonly api: SyncApi;
  readonly tokenKey: Secret;
  readonly identityCallers: IdentityCallers;
  readonly alarms: SyncAlarms;
  readonly changeFeed: ChangeFeed;
  readonly cognitoStreams: CognitoStreams;
  /** With `dropIn` only. */
  readonly dropIn?: DropInMode;

  constructor(scope: Construct, id: string, props: CognitoSyncStackProps = {}) {
    super(scope, id, { description: 'Amazon Cognito Sync compatible service (open-cognito-sync)', ...props });

    this.table = new SyncTable(this, 'Store', { retainData: props.retainData });

    // Signs SyncSessionTokens and NextTokens; read once per cold start (lambdas/src/runtime.ts).
    // Losing it only invalidates tokens in flight (at most an hour old): no retain policy.
    this.tokenKey = new Secret(this, 'TokenKey', {
      description: 'open-cognito-sync: HMAC key of SyncSessionTokens and pagination tokens',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // One stage throttle for both APIs: the drop-in API serves the same functions and the same apps.
    const throttle = {
      rateLimit: props.throttlingRateLimit ?? DEFAULT_THROTTLE.rateLimit,
      burstLimit: props.throttlingBurstLimit ?? DEFAULT_THROTTLE.burstLimit,
    };
    this.api = new SyncApi(this, 'Sync', {
      table: this.table.table,
      tokenKey: this.tokenKey,
      tracing: props.tracing,
      memorySize: props.memorySize,
      logRetention: props.logRetention,
      corsAllowOrigins: props.corsAllowOrigins,
      throttle,
      reservedConcurrency: props.reservedConcurrency,
      syncTriggerFunctions: props.syncTriggerFunctions,
      retainAccessLog: props.retainData,
    });

    this.identityCallers = new IdentityCallers(this, 'IdentityCallers', {
      api: this.api.api,
      authenticatedRoleName: props.authenticatedRoleName,
      unauthenticatedRoleName: props.unauthenticatedRoleName,
      createIdentityPool: props.createIdentityPool,
      allowUnauthenticatedIdentities: props.allowUnauthenticatedIdentities,
      loginProviders: props.loginProviders,
    });

    // Fail closed (lambdas/src/protocol/caller-policy.ts): named developers only, never a pool role.
    this.api.configureCallers({
      developerPrincipals: props.developerPrincipals ?? DEFAULT_DEVELOPER_PRINCIPALS,
      identityRoleNames: this.identityCallers.roles.map((role) => role.roleName),
    });

    // After a write: committed syncs from the table's stream to the feed's consumers (lib/change-feed.ts).
    this.changeFeed = new ChangeFeed(this, 'ChangeFeed', { table: this.table.table, tracing: props.tracing, logRetention: props.logRetention });

    this.alarms = new SyncAlarms(this, 'Alarms', {
      api: this.api.api,
      table: this.table.table,
      functions: Object.fromEntries(OPERATION_NAMES.map((name) => [name, this.api.operations[name].function])),
      alarmEmail: props.alarmEmail,
    });
    this.changeFeed.notify(this.alarms.topic);

    // Cognito Streams: the payload bucket, the BulkPublish worker, and the grants to write to developers' streams.
    this.cognitoStreams = new CognitoStreams(this, 'CognitoStreams', {
      table: this.table.table,
      feedFunction: this.changeFeed.function,
      bulkPublishFunction: this.api.operations.BulkPublish.function,
      tracing: props.tracing,
      logRetention: props.logRetention,
    });
    this.cognitoStreams.notify(this.alarms.topic);

    if (props.dropIn) {
      this.dropIn = new DropInMode(this, 'DropIn', {
        api: this.api,
        tracing: props.tracing,
        logRetention: props.logRetention,
        corsAllowOrigins: props.corsAllowOrigins,
        throttle,
        retainAccessLog: props.retainData,
      });
    }

    // cdk-nag AwsSolutions: what is accepted, and why (test/infra/nag.test.ts runs the pack).
    suppressAcceptedFindings(this.api, this.tokenKey, this.identityCallers, props.tracing ?? false, this.dropIn);

    new CfnOutput(this, 'EndpointUrl', { value: this.api.endpoint, description: "Cognito Sync endpoint: the clients' endpoint, signing name execute-api" });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'DynamoDB table' });
    new CfnOutput(this, 'Region', { value: this.region, description: 'Region of the endpoint and the signing region' });
    new CfnOutput(this, 'ApiId', { value: this.api.api.apiId, description: 'HTTP API id (for execute-api IAM policies)' });
    if (this.identityCallers.identityPool) {
      new CfnOutput(this, 'IdentityPoolId', { value: this.identityCallers.identityPool.identityPoolId, description: 'Created identity pool' });
    }
  }
}
