/**
 * A full `cdk synth`, as a user runs it from a fresh clone: the pinned CLI, cdk.json's app, bundling
 * with esbuild from node_modules (no Docker), no AWS credentials, telemetry and notices off. Then:
 * every function's asset is byte for byte the bundle esbuild's API builds with the shared settings
 * (lib/bundling.ts), the bundle test/infra/bundles.test.ts runs against DynamoDB Local.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_LIST } from '../../lambdas/src/operations';
import { PROJECT_ROOT } from '../../lib/bundling';
import { buildOperationBundles, type LocalBundle } from '../../tools/local-bundles';

const CDK_CLI = path.join(PROJECT_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');
const STACK = 'OpenCognitoSync';

let workdir: string;
let cdkOut: string;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }> };
let bundles: LocalBundle[];
let synthMs: number;

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  workdir = await mkdtemp(path.join(tmpdir(), 'sync-synth-'));
  cdkOut = path.join(workdir, 'cdk.out');
  // No credentials of any kind, and nothing that would go looking for them.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: workdir,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DEFAULT_ACCOUNT: '111111111111',
    CDK_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(workdir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(workdir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    npm_config_cache: process.env.npm_config_cache ?? path.join(process.env.HOME ?? workdir, '.npm'),
    npm_config_update_notifier: 'false',
    CI: 'true',
  };
  const started = Date.now();
  const [synth, built] = await Promise.all([
    run(process.execPath, [CDK_CLI, 'synth', '--no-notices', '--no-version-reporting', '--quiet', '--output', cdkOut], env),
    buildOperationBundles(path.join(workdir, 'bundles')),
  ]);
  synthMs = Date.now() - started;
  if (synth.code !== 0) throw new Error(`cdk synth failed (${synth.code}):\n${synth.output}`);
  bundles = built;
  template = JSON.parse(await readFile(path.join(cdkOut, `${STACK}.template.json`), 'utf8')) as typeof template;
}, 300_000);

afterAll(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe('cdk synth, offline', () => {
  it('synthesizes the stack with one bundled function per operation', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(OPERATION_LIST.length + 3); // and the $default route's, the change feed's and the BulkPublish worker's
    for (const fn of functions) expect(fn.Metadata?.['aws:asset:is-bundled']).toBe(true);
    // For the report: the whole synth (CLI, app, 17 bundles) beside the same 17 built by the test.
    console.log(`cdk synth: ${(synthMs / 1000).toFixed(1)} s`);
  });

  it('deploys exactly the bundles that the bundle test runs', async () => {
    for (const op of OPERATION_LIST) {
      const entry = Object.values(template.Resources).find(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:cdk:path'] === `${STACK}/Sync/${op.name}/Resource`,
      );
      expect(entry, op.name).toBeDefined();
      const assetDir = path.join(cdkOut, entry!.Metadata!['aws:asset:path']);
      expect((await readdir(assetDir)).sort(), op.name).toEqual(['index.js', 'index.js.map']);
      const deployed = await readFile(path.join(assetDir, 'index.js'));
      const bundle = bundles.find((b) => b.operation === op.name)!;
      const tested = await readFile(bundle.file);
      expect(deployed.equals(tested), `${op.name}: the asset differs from the tested bundle`).toBe(true);
    }
  });
});
