/**
 * Drop-in mode (`-c dropIn=true`, README "Drop-in mode"): apps in the field change their two
 * endpoints and nothing else. Beside the IAM API:
 *
 *   relay function  <- POST / (AWSCognitoIdentityService.*)  \
 *   operations' functions <- identity-callable routes         > second HTTP API, no authorizer
 *   unknown route   <- $default                               /
 *   key table (own table, TTL) + KMS key
 *
 * The relay forwards Cognito Identity's unsigned calls to the real service and stores, per access
 * key, the `cognito-sync` signing keys sealed with the KMS key (lambdas/src/drop-in/). The operations'
 * functions verify the SigV4 of requests that reach them without an authorizer against those keys.
 * Least privilege: the relay may only put its items and read the identity -> pool book, and only
 * Encrypt; the verifiers may only read `K#` items and only Decrypt. Developer operations have no
 * route here: they stay on the IAM API.
 */
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { KEY_ITEM_PREFIX, POOL_ITEM_PREFIX, TTL_ATTRIBUTE } from '../lambdas/src/drop-in/dynamodb-key-store';
import { KEY_TABLE_PARTITION_KEY } from '../lambdas/src/drop-in/key-table-schema';
import { identityOperations } from './access';
import { RELAY_ENTRY } from './drop-in-entries';
import { DEFAULT_LOG_RETENTION, projectFunction } from './project-function';
import { ACCESS_LOG_FIELDS, CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, FUNCTION_TIMEOUT, type SyncApi } from './sync-api';

/** The variables of config.ts `dropIn`. */
export const DROP_IN_VARIABLES = { keyTable: 'SYNC_DROP_IN_KEY_TABLE', kmsKeyId: 'SYNC_DROP_IN_KMS_KEY_ID', upstream: 'SYNC_DROP_IN_UPSTREAM' } as const;

/** MB for the relay. Not measured like lib/function-sizes.ts (bench/function-memory.ts runs the operations' bundles only). */
export const RELAY_MEMORY_MB = 256;

export interface DropInModeProps {
  readonly api: SyncApi;
  readonly tracing?: boolean;
  readonly logRetention?: RetentionDays;
  /** Stage throttling, as the IAM API's. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Browser origins allowed by CORS; empty for none. @default ['*'] */
  readonly corsAllowOrigins?: readonly string[];
  /** Keep the access log when the stack goes. @default true */
  readonly retainAccessLog?: boolean;
  /** Cognito Identity the relay forwards to. @default the region's endpoint */
  readonly upstreamEndpoint?: string;
}

const leadingKeys = (...prefixes: string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((p) => `${p}*`) } });

export class DropInMode extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLog: LogGroup;
  readonly keyTable: Table;
  readonly key: Key;
  readonly relay: NodejsFunction;
  readonly relayRoute: HttpRoute;
  /** The identity-callable operations' routes on this API. */
  readonly routes: readonly HttpRoute[];
  readonly defaultRoute: HttpRoute;

  constructor(scope: Construct, id: string, props: DropInModeProps) {
    super(scope, id);
    const origins = props.corsAllowOrigins ?? ['*'];

    this.key = new Key(this, 'SigningKeysKey', {
      description: 'open-cognito-sync drop-in mode: seals the cognito-sync signing keys the relay stores',
      enableKeyRotation: true,
      // What it sealed expires within the hour: nothing to keep once the stack goes.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.keyTable = new Table(this, 'Keys', {
      partitionKey: { name: KEY_TABLE_PARTITION_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.relay = projectFunction(this, 'Relay', {
      description: 'Cognito Sync drop-in mode: Cognito Identity relay (POST /)',
      entry: RELAY_ENTRY,
      roleDescription: 'open-cognito-sync drop-in relay function',
      memorySize: RELAY_MEMORY_MB,
      // Behind API Gateway like the operations. Two Cognito Identity calls at most (10 s each,
      // fetch-upstream.ts), then DynamoDB and KMS.
      timeout: FUNCTION_TIMEOUT,
      tracing: props.tracing ?? false,
      logRetention: props.logRetention,
      environment: {
        [DROP_IN_VARIABLES.keyTable]: this.keyTable.tableName,
        [DROP_IN_VARIABLES.kmsKeyId]: this.key.keyArn,
        ...(props.upstreamEndpoint ? { [DROP_IN_VARIABLES.upstream]: props.upstreamEndpoint } : {}),
      },
    }).function;
    // Its own items only: keys (K#) and the identity -> pool book (I#), which it alone reads.
    this.relay.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [this.keyTable.tableArn], conditions: leadingKeys(KEY_ITEM_PREFIX, POOL_ITEM_PREFIX) }),
    );
    this.relay.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [this.keyTable.tableArn], conditions: leadingKeys(POOL_ITEM_PREFIX) }),
    );
    this.relay.addToRolePolicy(new PolicyStatement({ actions: ['kms:Encrypt'], resources: [this.key.keyArn] }));

    const operations = identityOperations().map((spec) => props.api.operations[spec.name]);
    for (const { function: fn } of operations) {
      fn.addEnvironment(DROP_IN_VARIABLES.keyTable, this.keyTable.tableName);
      fn.addEnvironment(DROP_IN_VARIABLES.kmsKeyId, this.key.keyArn);
      fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [this.keyTable.tableArn], conditions: leadingKeys(KEY_ITEM_PREFIX) }));
      fn.addToRolePolicy(new PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.key.keyArn] }));
    }

    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Amazon Cognito Sync compatible endpoint, drop-in mode: cognito-sync signatures, verified by the functions (open-cognito-sync)',
      ...(origins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...origins],
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.DELETE],
              allowHeaders: [...CORS_ALLOW_HEADERS, 'x-amz-target'],
              exposeHeaders: CORS_EXPOSE_HEADERS,
              maxAge: Duration.seconds(600),
            },
          }
        : {}),
      createDefaultStage: false,
    });
    this.accessLog = new LogGroup(this, 'AccessLog', {
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.retainAccessLog === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this.api, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLog), format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)) },
    });

    const v2 = { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 };
    this.routes = operations.map(
      ({ spec, function: fn }) =>
        new HttpRoute(this, `${spec.name}Route`, {
          httpApi: this.api,
          routeKey: HttpRouteKey.with(spec.path, HttpMethod[spec.method]),
          integration: new HttpLambdaIntegration(`${spec.name}DropInIntegration`, fn, v2),
        }),
    );
    this.relayRoute = new HttpRoute(this, 'RelayRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.with('/', HttpMethod.POST),
      integration: new HttpLambdaIntegration('RelayIntegration', this.relay, v2),
    });
    this.defaultRoute = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('UnknownRouteDropInIntegration', props.api.unknownRoute, v2),
    });

    new CfnOutput(this, 'DropInEndpointUrl', {
      value: this.api.apiEndpoint,
      description: "Drop-in endpoint: the apps' Cognito Identity AND Cognito Sync endpoint, signing name cognito-sync",
    });
  }

  /** The functions whose routes are reachable without an API Gateway authorizer. */
  get unauthenticatedRoutes(): readonly HttpRoute[] {
    return [...this.routes, this.relayRoute, this.defaultRoute];
  }
}
