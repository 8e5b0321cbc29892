/**
 * Builds the console (app/, Preact + TypeScript) with Vite into dist/, which git ignores.
 *
 * When it runs: `npm start` builds it when dist/ is missing or older than a source file, so that
 * `npm ci && npm start` works on a fresh clone and an edit of app/ shows at the next start, with no
 * step to remember; the console's tests build it once per run (test/console-global-setup.ts). It
 * takes well under a second. The build goes to a fresh directory that then replaces dist/, so a
 * server never serves half a build. Vite is a dev dependency: an install without dev dependencies
 * serves a page saying the console is not built.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const VITE: string = 'vite';
const PRESET: string = '@preact/preset-vite';

export const CONSOLE_SOURCE_DIR = path.join(__dirname, 'app');
export const CONSOLE_BUILD_DIR = path.join(__dirname, 'dist');

/** Newest modification time of the sources (app/ and this file's build settings). */
function newestSource(dir: string): number {
  let newest = statSync(__filename).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

export function isConsoleBuildStale(buildDir = CONSOLE_BUILD_DIR): boolean {
  const index = path.join(buildDir, 'index.html');
  return !existsSync(index) || statSync(index).mtimeMs < newestSource(CONSOLE_SOURCE_DIR);
}

/** Builds into `buildDir` (default dist/); returns false, having said why, when Vite is not installed. */
export async function buildConsole(buildDir = CONSOLE_BUILD_DIR): Promise<boolean> {
  let vite: { build(config: Record<string, unknown>): Promise<unknown> };
  let preact: () => unknown;
  try {
    // Both are ES modules whose types the project's CommonJS resolution cannot see: named by a
    // variable, they are loaded with Node's own import() and typed by what this file uses of them.
    const [viteModule, presetModule] = [VITE, PRESET];
    vite = await import(viteModule);
    preact = (await import(presetModule)).default;
  } catch {
    console.warn('local console: Vite is not installed (a dev dependency), so the console cannot be built; run `npm ci` to have it.');
    return false;
  }
  const staging = `${buildDir}.building-${process.pid}`;
  await vite.build({
    root: CONSOLE_SOURCE_DIR,
    // The endpoint serves it under /_console/.
    base: '/_console/',
    configFile: false,
    logLevel: 'warn',
    plugins: [preact()],
    build: { outDir: staging, emptyOutDir: true, sourcemap: false },
  });
  rmSync(buildDir, { recursive: true, force: true });
  try {
    renameSync(staging, buildDir);
  } catch (e) {
    // Another process (a second `npm start`, a test run) put its build there first: the same sources, so keep that one.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(path.join(buildDir, 'index.html'))) throw e;
  }
  return true;
}

/** Builds when the build is missing or older than its sources. */
export async function ensureConsoleBuilt(buildDir = CONSOLE_BUILD_DIR): Promise<boolean> {
  if (!isConsoleBuildStale(buildDir)) return true;
  return buildConsole(buildDir);
}

/** For `npm start`: a console that fails to build is said and left out; the service starts all the same. */
export async function ensureConsoleBuiltOrWarn(): Promise<void> {
  try {
    await ensureConsoleBuilt();
  } catch (e) {
    console.warn(`local console: the build failed, so /_console is not served: ${(e as Error).message}`);
  }
}
