/**
 * One run of a Lambda bundle as the Lambda runtime would run it, in a plain Node process
 * (test/infra/bundle-runner.cjs): the event on stdin, the handler's answer back as `@@RESULT <json>`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const RUNNER = path.join(__dirname, '..', 'infra', 'bundle-runner.cjs');

export interface BundleProcessRun<T> {
  readonly result: T;
  /** Milliseconds the bundle took to load (its cold-start share). */
  readonly importMs: number;
  /** The JSON lines the function logged, from stdout and stderr (Powertools writes WARN and ERROR there). */
  readonly output: Record<string, unknown>[];
}

/**
 * Runs `file`'s handler once on `event` with exactly `env` (no AWS credentials or vitest settings
 * leak in unless given); rejects with the process's output if it fails or answers nothing.
 */
export function runBundleProcess<T>(file: string, env: Readonly<Record<string, string | undefined>>, event: unknown): Promise<BundleProcessRun<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, file], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const marker = stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (code !== 0 || !marker) {
        reject(new Error(`bundle ${env.AWS_LAMBDA_FUNCTION_NAME ?? file} exited ${code}\n${stderr}\n${stdout}`));
        return;
      }
      const { result, importMs } = JSON.parse(marker.slice('@@RESULT '.length)) as { result: T; importMs: number };
      const output = `${stdout}\n${stderr}`
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ result, importMs, output });
    });
    child.stdin.end(JSON.stringify(event));
  });
}
