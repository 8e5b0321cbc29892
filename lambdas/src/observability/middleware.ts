/**
 * One observability path for every Lambda entry point, HTTP or not (the operations, and the coming
 * stream consumer and BulkPublish worker): `observability(name, outcomeOf)` is the list of middy
 * middlewares to `.use()` first, around the handler's own:
 *
 *   captureLambdaHandler  (Powertools Tracer; only in bundles built with tracing) a `## <name>`
 *                         subsegment per invocation, response bodies never recorded
 *   injectLambdaContext   (Powertools Logger) the Lambda context (`cold_start`, `function_request_id`,
 *                         ...) on every line of the logger, the unexpected-error lines too
 *   logMetrics            (Powertools Metrics) publishes the invocation's metrics (CloudWatch EMF),
 *                         and `ColdStart` on the first
 *   reportInvocation      (ours) one log line `message: "request"` and the metrics `Latency` (ms),
 *                         `Faults`, `ClientErrors`, `Conflicts`, each 0 or 1 so that Average is a
 *                         rate, dimensions `service` and `Operation`
 *
 * middy runs `after` and `onError` from the last middleware used to the first, so the report sees
 * the handler's final answer (the protocol's error middleware has already turned an error into a
 * response), and logMetrics publishes what the report added.
 *
 * What an invocation's outcome is depends on the kind of handler: `outcomeOf` says it (HTTP:
 * protocol/observability.ts; others: `invocationOutcome`).
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { getInstruments, observabilityConfig, type Instruments } from './instruments';

/** How an invocation ended, for the log line and the metrics. */
export interface Outcome {
  /** HTTP-like: 2xx done, 4xx the caller's fault (409 a conflict), 5xx the service's. */
  readonly status: number;
  /** The service failed, not the caller: a `Faults` count and an ERROR line. */
  readonly fault: boolean;
  /** The line's level: ERROR for faults; WARN for what is expected yet worth seeing (a 501). */
  readonly level: 'info' | 'warn' | 'error';
  readonly errorType?: string;
  /** More fields of the log line (requestId, caller, ...). */
  readonly fields?: Readonly<Record<string, unknown>>;
}

export type OutcomeOf<TEvent, TResult> = (request: Request<TEvent, TResult, Error, Context>) => Outcome;

/** The outcome of a handler that answers nothing to a client: it failed if it threw. */
export const invocationOutcome: OutcomeOf<unknown, unknown> = (request) =>
  request.error ? { status: 500, fault: true, level: 'error', errorType: request.error.name } : { status: 200, fault: false, level: 'info' };

/** The middlewares to use first; none when observability is off (locally, in tests). */
export function observability<TEvent, TResult>(name: string, outcomeOf: OutcomeOf<TEvent, TResult>): MiddlewareObj<TEvent, TResult>[] {
  if (!observabilityConfig().enabled) return [];
  const instruments = getInstruments();
  const { logger, metrics, tracer } = instruments;
  const middlewares: MiddlewareObj<TEvent, TResult>[] = [];
  // Folded away with the require in bundles built without tracing (see instruments.ts).
  if (process.env.SYNC_TRACING_BUNDLE === 'true' && tracer) {
    const { captureLambdaHandler } = require('@aws-lambda-powertools/tracer/middleware') as typeof import('@aws-lambda-powertools/tracer/middleware');
    middlewares.push(captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj<TEvent, TResult>);
  }
  middlewares.push(
    injectLambdaContext(logger) as MiddlewareObj<TEvent, TResult>,
    logMetrics(metrics, { captureColdStartMetric: true }) as MiddlewareObj<TEvent, TResult>,
    reportInvocation(name, outcomeOf, instruments),
  );
  return middlewares;
}

/** Ours: the log line and the four metrics of each invocation, from its outcome. */
function reportInvocation<TEvent, TResult>(
  name: string,
  outcomeOf: OutcomeOf<TEvent, TResult>,
  { logger, metrics, tracer }: Instruments,
): MiddlewareObj<TEvent, TResult> {
  // Per request, not per handler: the local endpoint runs one handler for concurrent requests.
  const started = new WeakMap<object, number>();
  const report = (request: Request<TEvent, TResult, Error, Context>): void => {
    try {
      const latencyMs = performance.now() - (started.get(request) ?? performance.now());
      const outcome = outcomeOf(request);
      const { status } = outcome;
      logger[outcome.level]('request', {
        operation: name,
        ...outcome.fields,
        status,
        errorType: outcome.errorType,
        latencyMs: Math.round(latencyMs * 10) / 10,
      });
      metrics.addDimension('Operation', name);
      metrics.addMetric('Latency', MetricUnit.Milliseconds, latencyMs);
      metrics.addMetric('Faults', MetricUnit.Count, outcome.fault ? 1 : 0);
      metrics.addMetric('ClientErrors', MetricUnit.Count, status >= 400 && status < 500 ? 1 : 0);
      metrics.addMetric('Conflicts', MetricUnit.Count, status === 409 ? 1 : 0);
      // The handler's subsegment, opened by captureLambdaHandler (which records no error itself).
      const subsegment = tracer?.getSegment();
      if (outcome.fault) subsegment?.addFaultFlag();
      else if (status >= 400) subsegment?.addErrorFlag();
    } catch {
      // Telemetry never turns an answer into a failure.
    }
  };
  return {
    before: (request) => {
      started.set(request, performance.now());
      if (tracer?.isTracingEnabled()) {
        // captureLambdaHandler names the handler's subsegment after `_HANDLER`, `index.handler` in
        // every function; the documented `## <Operation>` tells the functions apart in a trace.
        const subsegment = tracer.getSegment();
        if (subsegment) subsegment.name = `## ${name}`;
        tracer.putAnnotation('Operation', name);
      }
    },
    after: report,
    onError: report,
  };
}
