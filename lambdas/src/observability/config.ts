/**
 * What observability is configured with. THE ONE PLACE that reads the environment for it: issue 7's
 * wave 2 routes this through `loadConfig(env)`; until then nothing else in `observability/` or
 * `protocol/` looks at `process.env` for logs, metrics or traces.
 *
 * Whether the X-Ray SDK is bundled at all is not configuration but a build constant:
 * `process.env.SYNC_TRACING_BUNDLE`, replaced by esbuild (lib/bundling.ts), read in `instruments.ts`.
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
}

export function observabilityConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ObservabilityConfig {
  const flag = env.SYNC_OBSERVABILITY?.toLowerCase();
  return {
    enabled: flag !== 'off' && (flag === 'on' || Boolean(env.AWS_LAMBDA_FUNCTION_NAME)),
    serviceName: env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME,
    metricsNamespace: env.POWERTOOLS_METRICS_NAMESPACE || DEFAULT_METRICS_NAMESPACE,
  };
}
