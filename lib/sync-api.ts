/**
 * The HTTP API and its functions, generated from the operation table: for each entry one
 * `NodejsFunction` (its handler in lambdas/src/handlers/<Operation>.ts) and one IAM-authorized route
 * `<METHOD> <path>` in front of it, payload format 2.0. Each function may do to the table exactly what
 * its access class allows (lib/access.ts), and read the token key.
 *
 * A new operation needs its table entry and its handler; nothing here changes.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { OPERATION_LIST, type OperationName, type OperationSpec } from '../lambdas/src/operations';
import { DEVELOPER_PRINCIPALS_VARIABLE, IDENTITY_ROLE_NAMES_VARIABLE } from '../lambdas/src/config';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_ORIGINS_VARIABLE, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS } from '../lambdas/src/protocol/cors';
import { DEFAULT_METRICS_NAMESPACE } from '../lambdas/src/observability/config';
import { leadingKeysCondition, TABLE_ACTIONS, tableResources } from './access';
import { operationMemoryMb, UNKNOWN_ROUTE_MEMORY_MB } from './function-sizes';
import { handlerEntry, UNKNOWN_ROUTE } from './bundling';
import { DEFAULT_LOG_RETENTION, projectFunction } from './project-function';
import { grantPushSyncRoles } from './push-sync-grant';
import { grantSyncTriggerInvoke } from './sync-trigger-grant';

export { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from '../lambdas/src/protocol/cors';

/**
 * Stage throttling by default: requests per second in the steady state, and the burst above it.
 * Far above what the apps of one pool send in normal use (a sync is two or three requests), far
 * below the account's 10,000 rps of HTTP APIs, so a flood of identities hits this stage's 429s
 * before it starves the account's other APIs; and it bounds what a flood can cost (README).
 */
export const DEFAULT_THROTTLE = { rateLimit: 1000, burstLimit: 2000 } as const;

/**
 * One JSON line per request in the access log (API Gateway's own `$context` variables): the
 * audit trail of who called what, including the requests refused before any function ran
 * (signature, throttling), which the functions' logs never see.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.userArn',
  accountId: '$context.identity.accountId',
  cognitoIdentityId: '$context.identity.cognitoIdentityId',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  integrationError: '$context.integrationErrorMessage',
};

/** Names of the caller policy's settings, and what the stack gives them. */
export interface CallerSettings {
  /** Principal ARN patterns that are developers (`*` wildcards). */
  readonly developerPrincipals: readonly string[];
  /** Identity pool roles: never developers. */
  readonly identityRoleNames: readonly string[];
}

/**
 * API Gateway gives an integration 30 s. A function that stops first lets middy answer a rest-json
 * 500 before the deadline (lambdas/local/http/lambda-context.ts keeps the same bound locally).
 */
export const FUNCTION_TIMEOUT = Duration.seconds(29);

export interface SyncApiProps {
  readonly table: ITable;
  /** Holds the key that signs SyncSessionTokens and NextTokens. */
  readonly tokenKey: ISecret;
  /** Lambda active tracing, and Powertools Tracer in the bundles. @default false */
  readonly tracing?: boolean;
  /** MB for every function, overriding the measured defaults. @default per kind of function: lib/function-sizes.ts */
  readonly memorySize?: number;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  /** Browser origins allowed by CORS; empty for none. @default ['*'] */
  readonly corsAllowOrigins?: readonly string[];
  /** Name of the metrics namespace. @default OpenCognitoSync */
  readonly metricsNamespace?: string;
  /** Stage throttling. @default DEFAULT_THROTTLE (1000 rps, burst 2000) */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Reserved concurrency of each operation's function. Reserving takes that many from the account's
   * pool (1,000 by default) for each of the 17 functions, so it is off unless asked. @default none
   */
  readonly reservedConcurrency?: number;
  /** Keep the API access log when the stack goes: it is the audit trail. @default true */
  readonly retainAccessLog?: boolean;
  /**
   * Functions UpdateRecords may invoke as sync triggers (lib/sync-trigger-grant.ts).
   * @default this account's and region's functions named `cognito-sync-trigger-*`
   */
  readonly syncTriggerFunctions?: readonly string[];
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
  /** Unauthenticated `OPTIONS /{proxy+}` for browsers' preflights; none without CORS. */
  readonly preflightRoute?: HttpRoute;
  readonly stage: HttpStage;
  /** API Gateway's access log: one JSON line per request (ACCESS_LOG_FIELDS). */
  readonly accessLog: LogGroup;
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: SyncApiProps) {
    super(scope, id);
    const tracing = props.tracing ?? false;
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
              maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
            },
          }
        : {}),
      // Made below, with throttling and access logs, at the path HttpApi gives it: the same logical id.
      createDefaultStage: false,
    });

    this.accessLog = new LogGroup(this, 'AccessLog', {
      retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
      removalPolicy: props.retainAccessLog === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    this.stage = new HttpStage(this.api, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLog),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const operations = {} as Record<OperationName, SyncOperation>;
    for (const spec of OPERATION_LIST) {
      const { function: fn } = projectFunction(this, spec.name, {
        description: `Cognito Sync ${spec.name}: ${spec.method} ${spec.path}`,
        entry: handlerEntry(spec.name),
        roleDescription: `open-cognito-sync ${spec.name} function`,
        memorySize: props.memorySize ?? operationMemoryMb(spec),
        timeout: FUNCTION_TIMEOUT,
        tracing,
        logRetention: props.logRetention,
        metricsNamespace: this.metricsNamespace,
        environment: { SYNC_TABLE_NAME: props.table.tableName, SYNC_TOKEN_KEY_SECRET_ARN: props.tokenKey.secretArn },
        reservedConcurrentExecutions: props.reservedConcurrency,
      });
      // Least privilege, from the operation table: a read-only operation gets no write action, and a
      // pool operation reaches its pool's `P#` items only.
      fn.addToRolePolicy(
        new PolicyStatement({ actions: [...TABLE_ACTIONS[spec.access]], resources: tableResources(props.table), conditions: leadingKeysCondition(spec) }),
      );
      fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.tokenKey.secretArn] }));
      // Cognito Identity's list actions take no resource ARN: '*' is the only resource they can be granted on.
      if (spec.identityPoolActions) fn.addToRolePolicy(new PolicyStatement({ actions: [...spec.identityPoolActions], resources: ['*'] }));

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
    grantPushSyncRoles(operations.RegisterDevice.function);
    grantSyncTriggerInvoke(operations.UpdateRecords.function, props.syncTriggerFunctions);

    // Requests no operation's route takes get the rest-json 404 the SDKs can name, not API
    // Gateway's own `{"message":"Not Found"}`. IAM-authorized like the rest; it needs no grant.
    this.unknownRoute = projectFunction(this, 'UnknownRoute', {
      description: 'Cognito Sync: requests that match no operation (route $default), and preflights',
      entry: handlerEntry(UNKNOWN_ROUTE),
      roleDescription: 'open-cognito-sync UnknownRoute function',
      memorySize: props.memorySize ?? UNKNOWN_ROUTE_MEMORY_MB,
      timeout: Duration.seconds(5),
      tracing,
      logRetention: props.logRetention,
      environment: origins.length > 0 ? { [CORS_ALLOW_ORIGINS_VARIABLE]: origins.join(',') } : {},
      // Unauthenticated callers reach it through the preflight route: it may never take the
      // concurrency the operations need. 10 answers of a few milliseconds each go a long way.
      reservedConcurrentExecutions: props.reservedConcurrency !== undefined ? Math.min(10, props.reservedConcurrency) : undefined,
    }).function;
    const unknownRouteIntegration = new HttpLambdaIntegration('UnknownRouteIntegration', this.unknownRoute, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: unknownRouteIntegration,
      authorizer: new HttpIamAuthorizer(),
    });
    // `$default` catches OPTIONS too, and browsers send preflights unsigned: without this route every
    // preflight would get the IAM authorizer's 403. A more specific route wins over `$default`, and
    // this one needs no signature (AWS: "Configuring CORS for an HTTP API with a $default route and
    // an authorizer"). API Gateway answers a preflight from the CORS configuration; the function
    // answers the same if one reaches it, and 404 to any other OPTIONS.
    if (origins.length > 0) {
      this.preflightRoute = new HttpRoute(this, 'PreflightRoute', {
        httpApi: this.api,
        routeKey: HttpRouteKey.with('/{proxy+}', HttpMethod.OPTIONS),
        integration: unknownRouteIntegration,
        authorizer: new HttpNoneAuthorizer(),
      });
    }
  }

  /** Every operation's function, which each read the caller policy. */
  get operationFunctions(): NodejsFunction[] {
    return OPERATION_LIST.map((spec) => this.operations[spec.name].function);
  }

  /**
   * Who is a developer and which roles are the pools' (lambdas/src/protocol/caller-policy.ts), set
   * on every operation's function. The unknown-route function answers the same 404 to every caller
   * and never reads them.
   */
  configureCallers(settings: CallerSettings): void {
    for (const fn of this.operationFunctions) {
      fn.addEnvironment(DEVELOPER_PRINCIPALS_VARIABLE, settings.developerPrincipals.join(','));
      fn.addEnvironment(IDENTITY_ROLE_NAMES_VARIABLE, settings.identityRoleNames.join(','));
    }
  }

  /** `https://<api id>.execute-api.<region>.amazonaws.com`: what clients take as their endpoint. */
  get endpoint(): string {
    return this.api.apiEndpoint;
  }
}
