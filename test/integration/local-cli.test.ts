/**
 * `npm start` (bin/local.ts) as a developer meets it: a clear line, not a stack, for what they can
 * fix; a clean stop on Ctrl-C / SIGTERM that leaves no JVM behind; data, identities and credentials
 * that survive a restart with --data-dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoSyncClient, ListDatasetsCommand } from '@aws-sdk/client-cognito-sync';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEVELOPER_ACCESS_KEY_ID, DEFAULT_DEVELOPER_SECRET_ACCESS_KEY } from '../../lambdas/local/credentials';
import { findFreePort, startDynamoDbLocal } from '../../lambdas/local/dynamodb-local';
import { LocalRuntimeError } from '../../lambdas/local/errors';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const developer = { accessKeyId: DEFAULT_DEVELOPER_ACCESS_KEY_ID, secretAccessKey: DEFAULT_DEVELOPER_SECRET_ACCESS_KEY };

interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

const started: Running[] = [];

function startCli(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(TSX, ['bin/local.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_REGION: 'us-east-1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (c: Buffer) => (running.stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (running.stderr += c.toString()));
  started.push(running);
  return running;
}

async function waitForBanner(running: Running, timeoutMs = 40_000): Promise<{ endpoint: string; dynamo: string }> {
  const deadline = Date.now() + timeoutMs;
  while (!running.stdout.includes('Press Ctrl-C to stop.')) {
    if (running.child.exitCode !== null) throw new Error(`bin/local.ts exited early:\n${running.stdout}\n${running.stderr}`);
    if (Date.now() > deadline) throw new Error(`no banner:\n${running.stdout}\n${running.stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint: /Endpoint\s+(http:\/\/\S+)/.exec(running.stdout)![1],
    dynamo: /DynamoDB Local at (http:\/\/\S+)/.exec(running.stdout)![1],
  };
}

async function refusesConnections(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'POST' });
    return false;
  } catch {
    return true;
  }
}

afterEach(async () => {
  for (const running of started.splice(0)) {
    if (running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
  }
});

const hasStack = (text: string) => /\n\s+at .+:\d+:\d+/.test(text);

describe('bin/local.ts', () => {
  it('says clearly, without a stack, that the port is taken', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const cli = startCli(['--in-memory'], { PORT: String(port) });
      expect(await cli.exited).toBe(1);
      expect(cli.stderr).toContain(`Port ${port} is already in use: set PORT=<another port> or stop the other process.`);
      expect(hasStack(cli.stderr)).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('explains a bad argument with the usage line', async () => {
    const cli = startCli(['--bogus']);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr).toMatch(/Unknown option '--bogus'/);
    expect(cli.stderr).toContain('Usage: npm start -- [--in-memory] [--port N] [--data-dir DIR]');
    expect(hasStack(cli.stderr)).toBe(false);
  });

  it('keeps data, identities and credentials across a restart, and stops cleanly', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ocs-local-'));
    try {
      const port = await findFreePort();
      const first = startCli(['--data-dir', dataDir, '--port', String(port)]);
      const { endpoint, dynamo } = await waitForBanner(first);
      expect(endpoint).toBe(`http://127.0.0.1:${port}`);
      expect(first.stdout).toContain('new CognitoSyncClient({');
      expect(first.stdout).toContain(DEFAULT_DEVELOPER_ACCESS_KEY_ID);
      expect(statSync(path.join(dataDir, 'local-secret.key')).mode & 0o777).toBe(0o600);

      const identity = new CognitoIdentityClient({ region: 'us-east-1', endpoint, credentials: developer });
      const { IdentityPoolId } = await identity.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'kept', AllowUnauthenticatedIdentities: true }));
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId }));
      const { Credentials } = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId }));
      identity.destroy();

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(await refusesConnections(dynamo)).toBe(true);

      const second = startCli(['--data-dir', dataDir, '--port', String(port)]);
      await waitForBanner(second);
      // The identity is still there...
      const anonymous = new CognitoIdentityClient({ region: 'us-east-1', endpoint });
      expect((await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId }))).IdentityId).toBe(IdentityId);
      anonymous.destroy();
      // ...and credentials issued before the restart still verify: the key was kept with the data.
      const sync = new CognitoSyncClient({
        region: 'us-east-1',
        endpoint,
        credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretKey!, sessionToken: Credentials!.SessionToken },
      });
      expect((await sync.send(new ListDatasetsCommand({ IdentityPoolId, IdentityId }))).Datasets).toEqual([]);
      sync.destroy();

      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
      expect(hasStack(second.stderr)).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('startDynamoDbLocal', () => {
  it('says Java is required when there is none', async () => {
    const error = await startDynamoDbLocal({ inMemory: true, java: '/nonexistent/bin/java' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalRuntimeError);
    expect((error as Error).message).toMatch(/^Java 17\+ is required for DynamoDB Local: install a JDK \(e\.g\. apt-get install openjdk-17-jre-headless/);
  });

  it('says so when its port is taken (and does not wait for the time-out)', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const error = await startDynamoDbLocal({ inMemory: true, port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LocalRuntimeError);
      expect((error as Error).message).toBe(`DynamoDB Local could not listen on port ${port}: it is already in use.`);
    } finally {
      holder.close();
    }
  });

  it('reports a process that exits during start-up', async () => {
    // `false` stands in for a JVM that dies at once.
    const error = await startDynamoDbLocal({ inMemory: true, java: 'false' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalRuntimeError);
    expect((error as Error).message).toMatch(/^DynamoDB Local exited during start-up \(exit code 1\)/);
  });
});
