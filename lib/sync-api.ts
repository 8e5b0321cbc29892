/**
 * The HTTP API and its functions, generated from the operation table: for each entry one
 * `NodejsFunction` (its handler in lambdas/src/handlers/<Operation>.ts) and one IAM-authorized route
 * `<METHOD> <path>` in front of it, payload format 2.0. Each function may do to the table exactly what
 * its access class allows (lib/access.ts), and read the token key.
 *
 * A new operation needs its table entry and its handler; nothing here changes.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpRoute, HttpRouteKey, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { OPERATION_LIST, type OperationName, type OperationSpec } from '../lambdas/src/operations';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME } from '../lambdas/src/protocol/observability';
import { TABLE_ACTIONS } from './access';
import { handlerEntry, lambdaBundling, NODE_OPTIONS, PROJECT_ROOT } from './bundling';

/** Headers a browser sends with a SigV4-signed Cognito Sync request. */
export const CORS_ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-user-agent',
  'x-amz-client-context',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
];

/** Response headers the SDKs read. */
export const CORS_EXPOSE_HEADERS = ['x-amzn-RequestId', 'x-amzn-ErrorType', 'x-amzn-ErrorMessage', 'Date'];

/**
 * API Gateway gives an integration 30 s. A function that stops first lets middy answer a rest-json
 * 500 before the deadline (lambdas/src/handlers/index.ts keeps the same bound locally).
 */
export const FUNCTION_TIMEOUT = Duration.seconds(29);

export interface SyncApiProps {
  readonly table: ITable;
  /** Holds the key that signs SyncSessionTokens and NextTokens. */
  readonly tokenKey: ISecret;
  /** Lambda active tracing, and Powertools Tracer in the bundles. @default false */
  readonly tracing?: boolean;
  /** @default 1024 */
  readonly memorySize?: number;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  /** Browser origins allowed by CORS; empty for none. @default ['*'] */
  readonly corsAllowOrigins?: readonly string[];
  /** Name of the metrics namespace. @default OpenCognitoSync */
  readonly metricsNamespace?: string;
}

export interface SyncOperation {
  readonly spec: OperationSpec;
  readonly function: NodejsFunction;
  readonly route: HttpRoute;
}

export class SyncApi extends Construct {
  readonly api: HttpApi;
  readonly operations: Readonly<Record<OperationName, SyncOperation>>;
  /** Behind the `$default` route: answers `UnknownOperationException` for paths no operation has. */
  readonly unknownRoute: NodejsFunction;
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: SyncApiProps) {
    super(scope, id);
    const tracing = props.tracing ?? false;
    const bundling = lambdaBundling({ tracing });
    const origins = props.corsAllowOrigins ?? ['*'];
    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;

    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Amazon Cognito Sync compatible endpoint (open-cognito-sync)',
      // SigV4 with signing name execute-api on every route; the caller lands in requestContext.authorizer.iam.
      defaultAuthorizer: new HttpIamAuthorizer(),
      ...(origins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...origins],
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.DELETE],
              allowHeaders: CORS_ALLOW_HEADERS,
              exposeHeaders: CORS_EXPOSE_HEADERS,
              maxAge: Duration.minutes(10),
            },
          }
        : {}),
    });

    const operations = {} as Record<OperationName, SyncOperation>;
    for (const spec of OPERATION_LIST) {
      const fn = new NodejsFunction(this, spec.name, {
        description: `Cognito Sync ${spec.name}: ${spec.method} ${spec.path}`,
        entry: handlerEntry(spec.name),
        handler: 'handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize: props.memorySize ?? 1024,
        timeout: FUNCTION_TIMEOUT,
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
        bundling,
        environment: {
          SYNC_TABLE_NAME: props.table.tableName,
          SYNC_TOKEN_KEY_SECRET_ARN: props.tokenKey.secretArn,
          NODE_OPTIONS,
          POWERTOOLS_SERVICE_NAME: DEFAULT_SERVICE_NAME,
          POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
          // Request and response bodies hold users' data: never in traces.
          POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
          POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
        },
        tracing: tracing ? Tracing.ACTIVE : Tracing.DISABLED,
        loggingFormat: LoggingFormat.JSON,
        applicationLogLevelV2: ApplicationLogLevel.INFO,
        logGroup: new LogGroup(this, `${spec.name}Logs`, {
          retention: props.logRetention ?? RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      });
      // Least privilege, from the operation table: a read-only operation gets no write action.
      props.table.grant(fn, ...TABLE_ACTIONS[spec.access]);
      fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.tokenKey.secretArn] }));

      const [route] = this.api.addRoutes({
        path: spec.path,
        methods: [HttpMethod[spec.method]],
        integration: new HttpLambdaIntegration(`${spec.name}Integration`, fn, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        }),
      });
      operations[spec.name] = { spec, function: fn, route };
    }
    this.operations = operations;

    // Requests no operation's route takes get the rest-json 404 the SDKs can name, not API
    // Gateway's own `{"message":"Not Found"}`. IAM-authorized like the rest; it needs no grant.
    this.unknownRoute = new NodejsFunction(this, 'UnknownRoute', {
      description: 'Cognito Sync: requests that match no operation (route $default)',
      entry: path.join(PROJECT_ROOT, 'lambdas', 'src', 'handlers', 'unknown-route.ts'),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(5),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling,
      environment: { NODE_OPTIONS },
      loggingFormat: LoggingFormat.JSON,
      logGroup: new LogGroup(this, 'UnknownRouteLogs', {
        retention: props.logRetention ?? RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('UnknownRouteIntegration', this.unknownRoute, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      }),
      authorizer: new HttpIamAuthorizer(),
    });
  }

  /** `https://<api id>.execute-api.<region>.amazonaws.com`: what clients take as their endpoint. */
  get endpoint(): string {
    return this.api.apiEndpoint;
  }
}
