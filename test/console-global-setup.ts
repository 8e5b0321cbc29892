/**
 * The console's tests serve the built app: build it once per run, before any test file starts
 * (lambdas/local/console/build.ts says why the build is not committed). Only when it is missing or
 * older than its sources, as `npm start` does.
 */
import { ensureConsoleBuilt } from '../lambdas/local/console/build';

export default async function setup(): Promise<void> {
  if (!(await ensureConsoleBuilt())) throw new Error('the local console could not be built (is Vite installed? run npm ci)');
}
