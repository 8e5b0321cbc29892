/**
 * The Powertools instruments, one of each per process, built on first use: importing a handler (the
 * local endpoint, the tests) builds nothing, and a function builds them once, at its cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { processConfig } from '../config';
import type { ObservabilityConfig } from './config';

export interface Instruments {
  readonly config: ObservabilityConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Only in bundles built with tracing (lib/bundling.ts). */
  readonly tracer?: Tracer;
}

let instruments: Instruments | undefined;

/**
 * The process's: Powertools' logger and metrics are one per process, so observability is configured
 * per process too, even when the local server runs several configurations of the service.
 */
export function observabilityConfig(): ObservabilityConfig {
  return processConfig().observability;
}

export function getInstruments(): Instruments {
  if (instruments) return instruments;
  const config = observabilityConfig();
  const { serviceName } = config;
  let tracer: Tracer | undefined;
  // Folded to `false` by esbuild in bundles built without tracing, and the require with it: the
  // X-Ray SDK (about 130 KB) is then not in the bundle at all.
  if (process.env.SYNC_TRACING_BUNDLE === 'true') {
    const { Tracer: TracerClass } = require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer');
    // Patches http/https: the AWS SDK's calls become subsegments. Errors are not captured as the
    // handler's exceptions: a client error would then be a fault; `middleware.ts` flags the
    // subsegment from the answer instead (5xx fault, 4xx error).
    tracer = new TracerClass({ serviceName, enabled: config.tracing, captureHTTPsRequests: true, customConfigService: FLAG_ERRORS_ONLY });
  }
  instruments = {
    config,
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ serviceName, namespace: config.metricsNamespace }),
    tracer,
  };
  return instruments;
}

/** Tracer settings from the environment as usual, but for the capture of errors. */
const FLAG_ERRORS_ONLY = {
  getTracingCaptureError: () => 'false',
  getTracingCaptureResponse: () => undefined,
  getCaptureHTTPsRequests: () => undefined,
  getServiceName: () => undefined,
  getTracingEnabled: () => undefined,
} as unknown as NonNullable<ConstructorParameters<typeof Tracer>[0]>['customConfigService'];

/**
 * An error the service did not expect (a bug, an outage), with its stack and its `cause` (what an
 * adapter caught: a throttled or failed AWS call), as one line of the Powertools logger, so that it
 * carries the Lambda context like the request line. `fields` say where (requestId, operation).
 */
export function logUnexpectedError(error: unknown, fields: Readonly<Record<string, unknown>>): void {
  const err = error instanceof Error ? error : undefined;
  const cause = err?.cause;
  getInstruments().logger.error('Unexpected error', {
    ...fields,
    errorName: err?.name ?? typeof error,
    errorMessage: err?.message ?? String(error),
    stack: err?.stack,
    cause: cause instanceof Error ? { name: cause.name, message: cause.message, stack: cause.stack } : cause && String(cause),
  });
}
