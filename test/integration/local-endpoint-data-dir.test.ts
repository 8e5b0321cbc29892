/**
 * What a persistent data directory holds and who may read it: the directory is private (0700), it
 * gets its own random developer key pair on first start (0600, kept across restarts, overridable
 * from the environment), and only one server at a time may use it. In memory, the documented pair.
 * Uses the run's shared DynamoDB Local: these are about the directory, not the JVM.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEVELOPER_ACCESS_KEY_ID, DEFAULT_DEVELOPER_SECRET_ACCESS_KEY } from '../../lambdas/local/auth/credentials';
import { LOCK_FILE } from '../../lambdas/local/process/data-dir-lock';
import { DEVELOPER_CREDENTIALS_FILE } from '../../lambdas/local/auth/developer-credentials-file';
import { LocalRuntimeError } from '../../lambdas/local/process/errors';
import { startLocalEndpoint, type LocalEndpointOptions } from '../../lambdas/local/local-endpoint';
import { dynamoEndpoint } from '../helpers/dynamodb-local';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ocs-datadir-'));
});
afterEach(() => {
  delete process.env.SYNC_DEVELOPER_ACCESS_KEY_ID;
  delete process.env.SYNC_DEVELOPER_SECRET_ACCESS_KEY;
  rmSync(root, { recursive: true, force: true });
});

const start = (options: LocalEndpointOptions) =>
  startLocalEndpoint({ port: 0, dynamoEndpoint: dynamoEndpoint(), tableName: `datadir-${randomUUID()}`, ...options });

const mode = (file: string) => statSync(file).mode & 0o777;

describe('a persistent data directory', () => {
  it('is created private to this user, parents included', async () => {
    const dataDir = path.join(root, 'nested', 'data');
    const endpoint = await start({ dataDir });
    await endpoint.close();
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(root, 'nested'))).toBe(0o700);
  });

  it('is made private when it already existed open to others', async () => {
    const dataDir = path.join(root, 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const endpoint = await start({ dataDir });
    await endpoint.close();
    expect(mode(dataDir)).toBe(0o700);
  });

  it('gets a random developer key pair on first start, stored 0600 and kept across restarts', async () => {
    const dataDir = path.join(root, 'data');
    const first = await start({ dataDir });
    await first.close();
    const file = path.join(dataDir, DEVELOPER_CREDENTIALS_FILE);
    expect(first.developerCredentialsFile).toBe(file);
    expect(first.developerCredentialsCreated).toBe(true);
    expect(first.developer.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(first.developer.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(first.developer.accessKeyId).not.toBe(DEFAULT_DEVELOPER_ACCESS_KEY_ID);
    expect(mode(file)).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first.developer);

    const second = await start({ dataDir });
    await second.close();
    expect(second.developer).toEqual(first.developer);
    expect(second.developerCredentialsCreated).toBe(false);

    // Another directory, another pair.
    const other = await start({ dataDir: path.join(root, 'other') });
    await other.close();
    expect(other.developer.accessKeyId).not.toBe(first.developer.accessKeyId);
  });

  it('lets SYNC_DEVELOPER_ACCESS_KEY_ID / SYNC_DEVELOPER_SECRET_ACCESS_KEY override its pair', async () => {
    process.env.SYNC_DEVELOPER_ACCESS_KEY_ID = 'AKIAFROMENVIRONMENT0';
    process.env.SYNC_DEVELOPER_SECRET_ACCESS_KEY = 'secret-from-the-environment';
    const endpoint = await start({ dataDir: path.join(root, 'data') });
    await endpoint.close();
    expect(endpoint.developer).toEqual({ accessKeyId: 'AKIAFROMENVIRONMENT0', secretAccessKey: 'secret-from-the-environment' });
  });

  it('says what to do with a developer key file it cannot read', async () => {
    const dataDir = path.join(root, 'data');
    mkdirSync(dataDir);
    const file = path.join(dataDir, DEVELOPER_CREDENTIALS_FILE);
    writeFileSync(file, '{"accessKeyId": 3}');
    const error = await start({ dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalRuntimeError);
    expect((error as Error).message).toContain(`${file} does not hold a developer key pair`);
    // The failed start released the directory.
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('serves one server at a time, and is free again once it stops', async () => {
    const dataDir = path.join(root, 'data');
    const first = await start({ dataDir });
    try {
      const error = await start({ dataDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LocalRuntimeError);
      expect((error as Error).message).toContain(`The data directory ${dataDir} is in use by another server (pid ${process.pid})`);
      // The refused start did not disturb the running one.
      expect((await fetch(first.url, { method: 'POST' })).status).toBeGreaterThanOrEqual(400);
    } finally {
      await first.close();
    }
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    await (await start({ dataDir })).close();
  });
});

describe('in memory', () => {
  it('keeps the documented developer pair and writes nothing', async () => {
    const endpoint = await start({ inMemory: true });
    await endpoint.close();
    expect(endpoint.developer).toEqual({ accessKeyId: DEFAULT_DEVELOPER_ACCESS_KEY_ID, secretAccessKey: DEFAULT_DEVELOPER_SECRET_ACCESS_KEY });
    expect(endpoint.developerCredentialsFile).toBeUndefined();
  });
});
