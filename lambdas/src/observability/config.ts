/**
 * What observability is configured with. Read from the environment by `loadConfig` (../config.ts),
 * the one place that reads it; the instruments take `processConfig().observability`.
 */

/** The Powertools service name when `POWERTOOLS_SERVICE_NAME` is not set. */
export const DEFAULT_SERVICE_NAME = 'open-cognito-sync';
/** The metrics namespace when `POWERTOOLS_METRICS_NAMESPACE` is not set. */
export const DEFAULT_METRICS_NAMESPACE = 'OpenCognitoSync';

export interface ObservabilityConfig {
  /**
   * Per-invocation log line and metrics. On in Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set by the
   * runtime) or with `SYNC_OBSERVABILITY=on`; `SYNC_OBSERVABILITY=off` silences it anywhere. The local
   * endpoint and the tests run the same handlers without it, so their output stays readable.
   * Unexpected errors are logged either way.
   */
  readonly enabled: boolean;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  /**
   * Traces, in bundles built with tracing (the build constant `SYNC_TRACING_BUNDLE`): off with
   * `POWERTOOLS_TRACE_ENABLED=false`. Powertools also stays quiet outside Lambda.
   */
  readonly tracing: boolean;
}
