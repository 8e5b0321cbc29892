/**
 * Builds the functions' bundles with esbuild's API and the stack's settings (lib/bundling.ts), for
 * the tests that run them and for `npm run bench`. Development tooling: the stack never imports it.
 */
import { mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { OPERATION_NAMES, type OperationName } from '../lambdas/src/operations';
import { esbuildOptions, handlerEntry, LAMBDA_BUNDLING } from '../lib/bundling';

export interface LocalBundle {
  readonly operation: OperationName;
  /** `<outdir>/<Operation>/index.js`, as in the function's asset. */
  readonly file: string;
  /** Minified code, without the source map. */
  readonly bytes: number;
  readonly mapBytes: number;
}

export interface BuildBundlesOptions {
  readonly bundling?: BundlingOptions;
  readonly operations?: readonly OperationName[];
}

export async function buildOperationBundles(outdir: string, options: BuildBundlesOptions = {}): Promise<LocalBundle[]> {
  const { build } = await import('esbuild');
  const bundling = options.bundling ?? LAMBDA_BUNDLING;
  const names = options.operations ?? OPERATION_NAMES;
  return Promise.all(
    names.map(async (operation) => {
      const dir = path.join(outdir, operation);
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, 'index.js');
      const result = await build(esbuildOptions(bundling, handlerEntry(operation), file));
      if (result.errors.length > 0) throw new Error(`esbuild failed for ${operation}`);
      const [code, map] = await Promise.all([stat(file), stat(`${file}.map`).catch(() => undefined)]);
      return { operation, file, bytes: code.size, mapBytes: map?.size ?? 0 };
    }),
  );
}
