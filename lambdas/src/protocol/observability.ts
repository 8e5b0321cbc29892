/**
 * What operators see of a request: one structured JSON log line, per-operation metrics and, when the
 * stack turns tracing on, an X-Ray subsegment. AWS Lambda Powertools for TypeScript does the work.
 *
 * Active in Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set by the runtime) or when `SYNC_OBSERVABILITY=on`;
 * `SYNC_OBSERVABILITY=off` silences it anywhere. The local endpoint and the tests run the same
 * handlers without it, so their output stays readable.
 *
 * Per request, after the protocol has answered (so every 4xx and 5xx is counted):
 *
 * - log (Powertools Logger, JSON on stdout): `message: "request"`, `operation`, `requestId` (the
 *   `x-amzn-RequestId` the client saw), `status`, `errorType`, `latencyMs`, `caller`, `userArn`, plus the Lambda
 *   context (`function_request_id`, `cold_start`, ...). Faults (5xx but 501) are logged at ERROR,
 *   501 (an operation not available yet) at WARN, the rest at INFO.
 * - metrics (Powertools Metrics, CloudWatch EMF), namespace `POWERTOOLS_METRICS_NAMESPACE`, dimensions
 *   `service` and `Operation`: `Latency` (ms), `Faults` (5xx but 501), `ClientErrors` (4xx),
 *   `Conflicts` (409), each 0 or 1 so that Average is a rate; plus Powertools' `ColdStart`.
 * - trace: only in bundles built with tracing (the stack's `tracing` property): a `## <Operation>`
 *   subsegment with `ColdStart`, `Service` and `Operation` annotations, and every HTTPS call the AWS
 *   SDK makes as a subsegment. Bundles without it do not contain the X-Ray SDK at all (it is about
 *   120 KB): `SYNC_TRACING_BUNDLE` is replaced at build time (lib/bundling.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { OperationName } from '../operations';
import type { SyncHttpEvent, SyncHttpResult } from './http-event';

export type EntryPoint = (event: SyncHttpEvent, context: Context) => Promise<SyncHttpResult>;

/** The Powertools service name when `POWERTOOLS_SERVICE_NAME` is not set. */
export const DEFAULT_SERVICE_NAME = 'open-cognito-sync';
/** The metrics namespace when `POWERTOOLS_METRICS_NAMESPACE` is not set. */
export const DEFAULT_METRICS_NAMESPACE = 'OpenCognitoSync';

interface Instruments {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer?: Tracer;
}

let instruments: Instruments | undefined;
let coldStart = true;

export function observabilityEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env.SYNC_OBSERVABILITY?.toLowerCase();
  if (flag === 'off') return false;
  return flag === 'on' || Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
}

/** Built on the first request: importing a handler (a cold start, the local endpoint, tests) builds nothing. */
function getInstruments(): Instruments {
  if (instruments) return instruments;
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE });
  let tracer: Tracer | undefined;
  // Folded to `false` by esbuild in bundles built without tracing, and the require with it.
  if (process.env.SYNC_TRACING_BUNDLE === 'true') {
    const { Tracer: TracerClass } = require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer');
    // Patches http/https: the AWS SDK's calls become subsegments.
    tracer = new TracerClass({ serviceName, captureHTTPsRequests: true });
  }
  instruments = { logger, metrics, tracer };
  return instruments;
}

/** The handler, reporting each request as described above; the same handler when not enabled. */
export function observe(operation: OperationName, handler: EntryPoint): EntryPoint {
  return async (event, context) => {
    if (!observabilityEnabled()) return handler(event, context);
    const { logger, metrics, tracer } = getInstruments();
    const started = performance.now();
    const segment = tracer?.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${operation}`);
    if (tracer && subsegment) {
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      tracer.putAnnotation('Operation', operation);
    }
    const isColdStart = coldStart;
    coldStart = false;
    let result: SyncHttpResult | undefined;
    try {
      result = await handler(event, context);
      return result;
    } finally {
      try {
        report({ logger, metrics, operation, event, context, result, isColdStart, latencyMs: performance.now() - started });
      } catch {
        // Telemetry never turns an answer into a failure.
      }
      if (tracer && subsegment && segment) {
        const status = result?.statusCode ?? 500;
        if (isFault(status)) subsegment.addFaultFlag();
        else if (status >= 400) subsegment.addErrorFlag();
        subsegment.close();
        tracer.setSegment(segment);
      }
    }
  };
}

interface Report {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly operation: OperationName;
  readonly event: SyncHttpEvent;
  readonly context: Context;
  readonly result: SyncHttpResult | undefined;
  readonly isColdStart: boolean;
  readonly latencyMs: number;
}

function report({ logger, metrics, operation, event, context, result, isColdStart, latencyMs }: Report): void {
  // The protocol answers every request; no result means the entry point itself threw.
  const status = result?.statusCode ?? 500;
  const errorType = result ? headerOf(result, 'x-amzn-ErrorType') : 'Unhandled';
  const requestId = (result && headerOf(result, 'x-amzn-RequestId')) ?? event?.requestContext?.requestId;
  const caller = event?.requestContext?.authorizer?.iam ? (event.requestContext.authorizer.iam.cognitoIdentity ? 'identity' : 'developer') : 'none';

  logger.addContext(context);
  // Who signed, as API Gateway saw it: the audit trail of developer access and of refused callers.
  const userArn = event?.requestContext?.authorizer?.iam?.userArn;
  const line = { operation, requestId, status, errorType, latencyMs: Math.round(latencyMs * 10) / 10, caller, userArn, coldStart: isColdStart };
  if (isFault(status)) logger.error('request', line);
  else if (status === NOT_IMPLEMENTED) logger.warn('request', line);
  else logger.info('request', line);

  if (isColdStart) metrics.captureColdStartMetric();
  metrics.addDimension('Operation', operation);
  metrics.addMetric('Latency', MetricUnit.Milliseconds, latencyMs);
  metrics.addMetric('Faults', MetricUnit.Count, isFault(status) ? 1 : 0);
  metrics.addMetric('ClientErrors', MetricUnit.Count, status >= 400 && status < 500 ? 1 : 0);
  metrics.addMetric('Conflicts', MetricUnit.Count, status === 409 ? 1 : 0);
  metrics.publishStoredMetrics();
}

/** An operation whose issue has not landed yet answers 501: expected, not a fault of the deployment. */
const NOT_IMPLEMENTED = 501;

export const isFault = (status: number): boolean => status >= 500 && status !== NOT_IMPLEMENTED;

function headerOf(result: SyncHttpResult, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(result.headers ?? {})) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Forgets the instruments and the cold start (tests). */
export function resetObservability(): void {
  instruments = undefined;
  coldStart = true;
}
