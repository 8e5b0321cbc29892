/**
 * lambdas/src/adapters/lambda-credential-chain.ts, bundled into the functions in place of the SDK's full default chain:
 * the Lambda runtime's environment credentials first, then container credentials over HTTP, and a
 * clear failure otherwise. The bundles must not carry the rest of the chain.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultProvider } from '../../lambdas/src/adapters/lambda-credential-chain';

const NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
let server: Server | undefined;

afterEach(async () => {
  for (const n of NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const clearAll = () => {
  for (const n of NAMES) delete process.env[n];
};

describe("the functions' credential provider", () => {
  it("takes the Lambda runtime's environment credentials", async () => {
    clearAll();
    process.env.AWS_ACCESS_KEY_ID = 'ASIAENVIRONMENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    process.env.AWS_SESSION_TOKEN = 'session';
    await expect(defaultProvider()()).resolves.toMatchObject({ accessKeyId: 'ASIAENVIRONMENT', secretAccessKey: 'secret', sessionToken: 'session' });
  });

  it('falls back to container credentials over HTTP', async () => {
    clearAll();
    server = createServer((req, res) => {
      expect(req.headers.authorization).toBe('container-token');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          AccessKeyId: 'ASIACONTAINER',
          SecretAccessKey: 'secret',
          Token: 'session',
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${(server.address() as AddressInfo).port}/credentials`;
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'container-token';
    await expect(defaultProvider()()).resolves.toMatchObject({ accessKeyId: 'ASIACONTAINER', sessionToken: 'session' });
  });

  it('fails without either', async () => {
    clearAll();
    await expect(defaultProvider()()).rejects.toThrow(/AWS_ACCESS_KEY_ID|environment/i);
  });
});
