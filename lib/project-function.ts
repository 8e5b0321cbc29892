/**
 * Every Lambda function of the stack is made here, so that what they must share is written once:
 *
 * - Node.js 22 on arm64, bundled with the shared esbuild settings (lib/bundling.ts), run with
 *   `NODE_OPTIONS=--enable-source-maps` (the bundles ship external source maps).
 * - JSON logs at INFO into a log group of its own (retention from the stack, one month by default;
 *   it goes with the stack), written by a role of its own that may write to that group only, not
 *   AWSLambdaBasicExecutionRole's every group.
 * - Tracing: the stack's one switch turns on both Lambda active tracing and Powertools Tracer in the
 *   bundle (lambdaBundling's `tracing`); never one without the other.
 * - Powertools' variables, for the functions that use Powertools: service name, metrics namespace,
 *   and no request or response bodies in traces (they hold users' data).
 *
 * What differs stays with each construct and must be stated: memory (lib/function-sizes.ts for the
 * operations), timeout (no function may fall back on Lambda's 3 s), description, entry point, its
 * own environment and grants.
 */
import * as path from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEFAULT_SERVICE_NAME } from '../lambdas/src/observability/config';
import { lambdaBundling, NODE_OPTIONS, PROJECT_ROOT } from './bundling';

/** How long the functions' logs (and the APIs' access logs) are kept unless the stack says otherwise. */
export const DEFAULT_LOG_RETENTION = RetentionDays.ONE_MONTH;

/** The runtime the bundles are built for (lib/bundling.ts NODE_TARGET). */
export const FUNCTION_RUNTIME = Runtime.NODEJS_22_X;

/** The variables of a function that uses Powertools (lambdas/src/config.ts reads them). */
export const powertoolsEnvironment = (metricsNamespace: string): Record<string, string> => ({
  POWERTOOLS_SERVICE_NAME: DEFAULT_SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
  // Request and response bodies hold users' data: never in traces.
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
  POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
});

export interface ProjectFunctionProps extends Pick<NodejsFunctionProps, 'reservedConcurrentExecutions' | 'retryAttempts' | 'onFailure'> {
  readonly description: string;
  /** The entry point's file; it exports `handler`. */
  readonly entry: string;
  /** What the function's role is for, in IAM's console. */
  readonly roleDescription: string;
  /** MB; stated by each function, since each kind has its own (lib/function-sizes.ts). */
  readonly memorySize: number;
  readonly timeout: Duration;
  /** The stack's tracing switch: Lambda active tracing and Powertools Tracer in the bundle. */
  readonly tracing: boolean;
  /** @default DEFAULT_LOG_RETENTION */
  readonly logRetention?: RetentionDays;
  /** The metrics namespace of a function that uses Powertools (powertoolsEnvironment). @default no Powertools variables */
  readonly metricsNamespace?: string;
  /** The function's own variables, besides NODE_OPTIONS and Powertools'. */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Construct ids of the log group and the role, siblings of the function in `scope`. They name
   * the deployed resources (logical ids): changing them replaces the resources.
   * @default `${id}Logs` and `${id}Role`
   */
  readonly logGroupId?: string;
  readonly roleId?: string;
}

export interface ProjectFunction {
  readonly function: NodejsFunction;
  /** The function's own role: grants to the function land in its default policy. */
  readonly role: Role;
  readonly logGroup: LogGroup;
}

export function projectFunction(scope: Construct, id: string, props: ProjectFunctionProps): ProjectFunction {
  const logGroup = new LogGroup(scope, props.logGroupId ?? `${id}Logs`, {
    retention: props.logRetention ?? DEFAULT_LOG_RETENTION,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new Role(scope, props.roleId ?? `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: props.roleDescription });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, id, {
    description: props.description,
    entry: props.entry,
    handler: 'handler',
    runtime: FUNCTION_RUNTIME,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    bundling: lambdaBundling({ tracing: props.tracing }),
    environment: {
      NODE_OPTIONS,
      ...(props.metricsNamespace !== undefined ? powertoolsEnvironment(props.metricsNamespace) : {}),
      ...props.environment,
    },
    tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
    loggingFormat: LoggingFormat.JSON,
    applicationLogLevelV2: ApplicationLogLevel.INFO,
    logGroup,
    role,
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    retryAttempts: props.retryAttempts,
    onFailure: props.onFailure,
  });
  return { function: fn, role, logGroup };
}
