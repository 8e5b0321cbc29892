/**
 * `npm start` (bin/local.ts) as a developer meets it: a clear line, not a stack, for what they can
 * fix; a clean stop on Ctrl-C / SIGTERM that leaves no JVM behind; data, identities and credentials
 * that survive a restart with --data-dir; one server per data directory; and no JVM left behind
 * when the server, or the tsx process above it, is killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoSyncClient, ListDatasetsCommand, ListIdentityPoolUsageCommand } from '@aws-sdk/client-cognito-sync';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEVELOPER_ACCESS_KEY_ID, DEFAULT_DEVELOPER_SECRET_ACCESS_KEY } from '../../lambdas/local/auth/credentials';
import { LOCK_FILE } from '../../lambdas/local/process/data-dir-lock';
import { DEVELOPER_CREDENTIALS_FILE } from '../../lambdas/local/auth/developer-credentials-file';
import { findFreePort, startDynamoDBLocal } from '../../lambdas/local/emulators/dynamodb-local';
import { LocalRuntimeError } from '../../lambdas/local/process/errors';
import { isProcessRunning } from '../../lambdas/local/process/process-alive';
import { sleep } from '../../lambdas/src/common/sleep';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

const started: Running[] = [];

function startCli(args: string[], env: Record<string, string> = {}, command: readonly string[] = [TSX, 'bin/local.ts']): Running {
  const child = spawn(command[0], [...command.slice(1), ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_REGION: 'us-east-1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, as a terminal gives a foreground command (see `interrupt`).
    detached: true,
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

/**
 * Ctrl-C or `kill` from a terminal: the signal reaches every process of the command's group, tsx and
 * the server under it alike. Sent to tsx alone, tsx relays it only if the server acknowledges it
 * within 30 ms and otherwise SIGKILLs it (exit 143): a race a loaded machine loses.
 */
function interrupt(running: Running, signal: 'SIGTERM' | 'SIGINT'): void {
  process.kill(-(running.child.pid as number), signal);
}

interface Banner {
  readonly endpoint: string;
  readonly dynamo: string;
  readonly dynamoPid: number;
  readonly developer: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

async function waitForBanner(running: Running, timeoutMs = 40_000): Promise<Banner> {
  const deadline = Date.now() + timeoutMs;
  while (!running.stdout.includes('Press Ctrl-C to stop.')) {
    if (running.child.exitCode !== null) throw new Error(`bin/local.ts exited early:\n${running.stdout}\n${running.stderr}`);
    if (Date.now() > deadline) throw new Error(`no banner:\n${running.stdout}\n${running.stderr}`);
    await sleep(100);
  }
  return {
    endpoint: /Endpoint\s+(http:\/\/\S+)/.exec(running.stdout)![1],
    dynamo: /DynamoDB Local at (http:\/\/\S+)/.exec(running.stdout)![1],
    dynamoPid: Number(/DynamoDB Local at \S+ \(pid (\d+)\)/.exec(running.stdout)![1]),
    developer: {
      accessKeyId: /AccessKeyId\s+(\S+)/.exec(running.stdout)![1],
      secretAccessKey: /SecretAccessKey\s+(\S+)/.exec(running.stdout)![1],
    },
  };
}

/** Polls `condition` until it holds; false if it still does not after `timeoutMs`. */
async function eventually(condition: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** The pid of the node process serving a data directory: bin/local.ts runs under tsx, as a child. */
const serverPid = (dataDir: string): number => Number(readFileSync(path.join(dataDir, LOCK_FILE), 'utf8'));

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

  it('names --port, not PORT, when the port was given with --port', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const cli = startCli(['--in-memory', '--port', String(port)]);
      expect(await cli.exited).toBe(1);
      expect(cli.stderr).toContain(`Port ${port} is already in use: use --port <another port> or stop the other process.`);
      expect(cli.stderr).not.toContain('PORT=');
    } finally {
      holder.close();
    }
  });

  it('explains a bad argument with the usage line', async () => {
    const cli = startCli(['--bogus']);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr).toMatch(/Unknown option '--bogus'/);
    expect(cli.stderr).toContain('Usage: npm start -- [--in-memory] [--port N] [--data-dir DIR] [--allow-origin ORIGIN]... [--deployed-rules]');
    expect(hasStack(cli.stderr)).toBe(false);
  });

  it('keeps data, identities and credentials across a restart, and stops cleanly', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ocs-local-'));
    const dataDir = path.join(root, 'data');
    try {
      const port = await findFreePort();
      const first = startCli(['--data-dir', dataDir, '--port', String(port)]);
      const { endpoint, dynamo, developer } = await waitForBanner(first);
      expect(endpoint).toBe(`http://127.0.0.1:${port}`);
      expect(first.stdout).toContain('new CognitoSyncClient({');
      // One line per other AWS client, all on the same endpoint.
      for (const command of ['aws dynamodb list-tables', 'aws sns list-topics', 'aws kinesis list-streams']) {
        expect(first.stdout).toContain(`${command} --endpoint-url ${endpoint}`);
      }
      // Both snippets import what they use.
      expect(first.stdout.match(/import \{ CognitoSyncClient \} from '@aws-sdk\/client-cognito-sync';/g)).toHaveLength(2);
      // No Node 20 advice from the AWS SDK on every start.
      expect(first.stderr).not.toContain('NodeVersionSupportWarning');
      // The data directory's own developer pair, printed, not the published one.
      expect(developer.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(developer.accessKeyId).not.toBe(DEFAULT_DEVELOPER_ACCESS_KEY_ID);
      expect(JSON.parse(readFileSync(path.join(dataDir, DEVELOPER_CREDENTIALS_FILE), 'utf8'))).toEqual(developer);
      expect(first.stdout).toContain(`Made for this data directory on its first start; kept in ${path.join(dataDir, DEVELOPER_CREDENTIALS_FILE)}`);
      // Everything in it is this user's alone, the DynamoDB Local file by its directory.
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(dataDir, 'dynamodb')).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(dataDir, 'local-secret.key')).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(dataDir, DEVELOPER_CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);

      // A copy: the SDK marks the credentials object it is given.
      const identity = new CognitoIdentityClient({ region: 'us-east-1', endpoint, credentials: { ...developer } });
      const { IdentityPoolId } = await identity.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'kept', AllowUnauthenticatedIdentities: true }));
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId }));
      const { Credentials } = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId }));
      identity.destroy();

      interrupt(first, 'SIGTERM');
      expect(await first.exited).toBe(0);
      expect(await refusesConnections(dynamo)).toBe(true);
      expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);

      const second = startCli(['--data-dir', dataDir, '--port', String(port)]);
      const restarted = await waitForBanner(second);
      expect(restarted.developer).toEqual(developer);
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

      interrupt(second, 'SIGINT');
      expect(await second.exited).toBe(0);
      expect(hasStack(second.stderr)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 90_000);

  it('passes --allow-origin and --deployed-rules to the endpoint; in memory, with the documented developer pair', async () => {
    const cli = startCli(['--in-memory', '--port', '0', '--allow-origin', 'https://app.example.test', '--deployed-rules']);
    const { endpoint, developer } = await waitForBanner(cli);
    expect(developer).toEqual({ accessKeyId: DEFAULT_DEVELOPER_ACCESS_KEY_ID, secretAccessKey: DEFAULT_DEVELOPER_SECRET_ACCESS_KEY });
    const preflight = (origin: string) =>
      fetch(`${endpoint}/identitypools`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    const allowed = await preflight('https://app.example.test');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    expect((await preflight('https://other.example.test')).status).toBe(403);

    // Deployed rules: the v3 client signs for `cognito-sync`, which API Gateway would refuse.
    const sync = new CognitoSyncClient({ region: 'us-east-1', endpoint, credentials: { ...developer }, maxAttempts: 1 });
    const error = await sync.send(new ListIdentityPoolUsageCommand({})).catch((e: unknown) => e);
    sync.destroy();
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(403);
  }, 90_000);

  it('refuses a second server on the same data directory, naming the first one', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ocs-local-'));
    try {
      const port = await findFreePort();
      const first = startCli(['--data-dir', dataDir, '--port', String(port)]);
      const { endpoint } = await waitForBanner(first);
      const pid = serverPid(dataDir);

      // The same command twice: the directory is what to hear about, not the port.
      const second = startCli(['--data-dir', dataDir, '--port', String(port)]);
      expect(await second.exited).toBe(1);
      expect(second.stderr).toContain(`error: The data directory ${dataDir} is in use by another server (pid ${pid}).`);
      expect(hasStack(second.stderr)).toBe(false);
      // The first one carries on, still holding the directory.
      expect(await refusesConnections(endpoint)).toBe(false);
      expect(serverPid(dataDir)).toBe(pid);

      interrupt(first, 'SIGTERM');
      expect(await first.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('leaves no JVM behind when the server is killed with SIGKILL, and the next start takes over its stale lock', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ocs-local-'));
    try {
      const first = startCli(['--data-dir', dataDir, '--port', '0']);
      const { dynamoPid } = await waitForBanner(first);
      const motoPid = Number(/on moto at \S+ \(pid (\d+)\)/.exec(first.stdout)?.[1]);
      expect(isProcessRunning(dynamoPid)).toBe(true);
      expect(isProcessRunning(motoPid)).toBe(true);

      // The node process that runs bin/local.ts: nothing in it runs after SIGKILL.
      const pid = serverPid(dataDir);
      process.kill(pid, 'SIGKILL');
      expect(await eventually(() => !isProcessRunning(pid))).toBe(true);
      expect(await eventually(() => !isProcessRunning(dynamoPid))).toBe(true);
      // moto's stdin closed with it, and so it exits too.
      expect(await eventually(() => !isProcessRunning(motoPid))).toBe(true);
      // It could not remove its lock...
      expect(serverPid(dataDir)).toBe(pid);

      // ...which the next start recognizes as stale.
      const second = startCli(['--data-dir', dataDir, '--port', '0']);
      await waitForBanner(second);
      expect(serverPid(dataDir)).not.toBe(pid);
      interrupt(second, 'SIGTERM');
      expect(await second.exited).toBe(0);
      expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('stops cleanly when its terminal closes (SIGHUP), releasing the data directory', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ocs-local-'));
    try {
      const cli = startCli(['--data-dir', dataDir, '--port', '0']);
      const { dynamoPid } = await waitForBanner(cli);
      const pid = serverPid(dataDir);
      process.kill(pid, 'SIGHUP');
      expect(await eventually(() => !isProcessRunning(pid))).toBe(true);
      expect(await eventually(() => !isProcessRunning(dynamoPid))).toBe(true);
      expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('stops, JVM and lock included, when the tsx process above it is killed with SIGKILL', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ocs-local-'));
    try {
      const cli = startCli(['--data-dir', dataDir, '--port', '0']);
      const { dynamoPid } = await waitForBanner(cli);
      const pid = serverPid(dataDir);
      expect(pid).not.toBe(cli.child.pid);

      cli.child.kill('SIGKILL');
      expect(await eventually(() => !isProcessRunning(pid))).toBe(true);
      expect(await eventually(() => !isProcessRunning(dynamoPid))).toBe(true);
      expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('npm start killed with SIGKILL', () => {
  it('stops, JVM and lock included, when the npm process (above the shell that runs us) is killed', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ocs-local-'));
    try {
      const cli = startCli(['--data-dir', dataDir, '--port', '0'], {}, ['npm', 'start', '--silent', '--']);
      const { dynamoPid } = await waitForBanner(cli);
      const pid = serverPid(dataDir);

      cli.child.kill('SIGKILL'); // npm itself: the shell under it stays, and so did we
      expect(await eventually(() => !isProcessRunning(pid))).toBe(true);
      expect(await eventually(() => !isProcessRunning(dynamoPid))).toBe(true);
      expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('startDynamoDBLocal', () => {
  it('says Java is required when there is none', async () => {
    const error = await startDynamoDBLocal({ inMemory: true, java: '/nonexistent/bin/java' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalRuntimeError);
    expect((error as Error).message).toMatch(/^Java 17\+ is required for DynamoDB Local: install a JDK \(e\.g\. apt-get install openjdk-17-jre-headless/);
  });

  it('says so when its port is taken (and does not wait for the time-out)', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const error = await startDynamoDBLocal({ inMemory: true, port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LocalRuntimeError);
      expect((error as Error).message).toBe(`DynamoDB Local could not listen on port ${port}: it is already in use.`);
    } finally {
      holder.close();
    }
  });

  it('reports a process that exits during start-up', async () => {
    // `false` stands in for a JVM that dies at once.
    const error = await startDynamoDBLocal({ inMemory: true, java: 'false' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalRuntimeError);
    expect((error as Error).message).toMatch(/^DynamoDB Local exited during start-up \(exit code 1\)/);
  });
});
