/**
 * How every operation's Lambda function is bundled: one set of esbuild settings, used by the stack
 * (`NodejsFunction`), by the test that runs the bundles against DynamoDB Local, and by
 * `npm run bench`. `esbuildOptions` turns them into esbuild's API options and refuses any setting it
 * does not know how to translate, so the three cannot drift apart (test/infra/synth.test.ts also
 * checks that the synthesized assets are byte for byte what esbuild's API builds).
 *
 * - Node.js 22, CommonJS, minified, source maps (external `.map`, no sources inside; the functions
 *   run with `--enable-source-maps`).
 * - AWS SDK v3 bundled, not taken from the runtime: `externalModules: []`. Tree-shaken through the
 *   packages' ES module builds (`mainFields: module, main`), which esbuild can shake (-140 KB).
 * - `@aws-sdk/credential-provider-node` (the full default chain) replaced by `lambdas/src/adapters/lambda-credential-chain.ts`,
 *   which keeps the links a Lambda function can meet (-130 KB).
 * - `process.env.SYNC_TRACING_BUNDLE` fixed at build time: the X-Ray SDK is in the bundle only when
 *   the stack turns tracing on (lambdas/src/observability/instruments.ts).
 * - Docker never: esbuild from node_modules.
 */
import * as path from 'node:path';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import type { OperationName } from '../lambdas/src/operations';

/** The repository root: esbuild's working directory, for the stack as for the tests. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Relative to PROJECT_ROOT, as esbuild's `--alias` wants local paths. */
export const CREDENTIALS_PROVIDER = './lambdas/src/adapters/lambda-credential-chain.ts';

/** The Lambda runtime the bundles target. */
export const NODE_TARGET = 'node22';

export interface LambdaBundlingSettings {
  /** Bundle Powertools Tracer (and the X-Ray SDK) into the functions. */
  readonly tracing: boolean;
}

export function lambdaBundling({ tracing }: LambdaBundlingSettings): BundlingOptions {
  return {
    target: NODE_TARGET,
    format: OutputFormat.CJS,
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    externalModules: [],
    bundleAwsSDK: true,
    define: { 'process.env.SYNC_TRACING_BUNDLE': JSON.stringify(String(tracing)) },
    esbuildArgs: { '--alias:@aws-sdk/credential-provider-node': CREDENTIALS_PROVIDER },
    logLevel: LogLevel.WARNING,
    forceDockerBundling: false,
  };
}

/** The settings of a stack with tracing off (the default): what the tests and the bench build. */
export const LAMBDA_BUNDLING: BundlingOptions = lambdaBundling({ tracing: false });

/** The function behind the API's `$default` route, for requests no operation matches. */
export const UNKNOWN_ROUTE = 'UnknownRoute';

/**
 * The entry point of a function: `lambdas/src/handlers/<Name>.ts`, named after its operation, or
 * UNKNOWN_ROUTE. That folder holds entry points only (test/unit/handler-entries.test.ts).
 */
export const handlerEntry = (name: OperationName | typeof UNKNOWN_ROUTE): string => path.join(PROJECT_ROOT, 'lambdas', 'src', 'handlers', `${name}.ts`);

/** The environment the functions run with, besides their configuration. */
export const NODE_OPTIONS = '--enable-source-maps';

/**
 * The esbuild API options equivalent to what `NodejsFunction` runs for `bundling`: the same flags it
 * passes to the esbuild CLI (aws-cdk-lib/aws-lambda-nodejs/lib/bundling.js, `buildEsbuildArgs`),
 * with the working directory it uses (the project root). `outfile` should be named `index.js`, as
 * the function's is.
 */
export function esbuildOptions(bundling: BundlingOptions, entry: string, outfile: string): BuildOptions {
  const {
    target,
    format,
    minify,
    sourceMap,
    sourcesContent,
    mainFields,
    externalModules,
    bundleAwsSDK: _bundleAwsSdk,
    define,
    esbuildArgs,
    logLevel,
    forceDockerBundling,
    ...rest
  } = bundling;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`esbuildOptions does not translate these bundling settings yet: ${unknown.join(', ')}`);
  if (forceDockerBundling) throw new Error('The functions are bundled locally, never in Docker');
  if (externalModules === undefined) throw new Error('Set externalModules explicitly: the default depends on the runtime');

  const alias: Record<string, string> = {};
  for (const [flag, value] of Object.entries(esbuildArgs ?? {})) {
    const m = /^--alias:(.+)$/.exec(flag);
    if (!m || typeof value !== 'string') throw new Error(`esbuildOptions does not translate the esbuild argument ${flag}`);
    alias[m[1]] = value;
  }
  return {
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entry],
    bundle: true,
    outfile,
    platform: 'node',
    target: target ?? NODE_TARGET,
    ...(format ? { format: format as 'cjs' | 'esm' } : {}),
    minify: minify ?? false,
    sourcemap: sourceMap ?? false,
    ...(sourcesContent === false ? { sourcesContent: false } : {}),
    ...(mainFields ? { mainFields } : {}),
    external: externalModules,
    define: define ?? {},
    alias,
    logLevel: (logLevel as BuildOptions['logLevel']) ?? 'warning',
  };
}
