/**
 * The console's JSON layer acts as the developer, so it answers only this machine's browser
 * (lambdas/local/console/loopback.ts): a Host that is not a loopback name (DNS rebinding) or an
 * Origin of another site (a web page posting to 127.0.0.1) is refused with 403 before any API is
 * called. The handler here has no service behind it: what passes the check gets the layer's own 404.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityBus } from '../../lambdas/local/console/activity';
import { ConsoleHandler } from '../../lambdas/local/console/console-handler';
import { isLoopbackHost, isLoopbackOrigin, loopbackRefusal } from '../../lambdas/local/console/loopback';

describe('loopbackRefusal', () => {
  it.each(['127.0.0.1:8080', '127.0.0.1', 'localhost:8080', 'LOCALHOST', '[::1]:8080', '[::1]', '127.1.2.3:80'])('accepts Host %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    expect(loopbackRefusal({ host })).toBeUndefined();
  });

  it.each(['evil.example', 'evil.example:8080', '10.0.0.5:8080', '127.0.0.1.evil.example', 'localhost.evil.example', '[::2]:8080', ''])(
    'refuses Host %s',
    (host) => {
      expect(loopbackRefusal({ host })).toMatch(/loopback hosts only/);
    },
  );

  it('refuses a request without Host', () => {
    expect(loopbackRefusal({})).toMatch(/loopback hosts only/);
  });

  it.each(['http://127.0.0.1:8080', 'http://localhost:5173', 'https://[::1]'])('accepts Origin %s', (origin) => {
    expect(isLoopbackOrigin(origin)).toBe(true);
    expect(loopbackRefusal({ host: '127.0.0.1:8080', origin })).toBeUndefined();
  });

  it.each(['http://evil.example', 'https://127.0.0.1.evil.example', 'null', 'file://', 'chrome-extension://abc', 'http://192.168.1.2:8080'])(
    'refuses Origin %s',
    (origin) => {
      expect(loopbackRefusal({ host: '127.0.0.1:8080', origin })).toMatch(/loopback origins only/);
    },
  );
});

describe('the console handler', () => {
  let server: Server;
  let port: number;
  let handler: ConsoleHandler;

  beforeAll(async () => {
    // Nothing listens at the endpoint URL: a request that got past the check and called the service would fail with 500.
    handler = new ConsoleHandler({
      endpointUrl: () => 'http://127.0.0.1:9',
      region: 'us-east-1',
      developer: { accessKeyId: 'AKIAUNITTEST00000000', secretAccessKey: 'unit' },
      activity: new ActivityBus(),
    });
    server = createServer((req, res) => void handler.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    handler.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (method: string, path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: { error?: string; message?: string } }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end();
    });

  it('refuses a non-loopback Host with 403, on the API and on the page', async () => {
    for (const path of ['/_console/api/pools', '/_console/api/activity', '/_console/', '/_console/api/activity/events']) {
      const answer = await send('GET', path, { host: 'rebound.evil.example' });
      expect(answer.status, path).toBe(403);
      expect(answer.body.message).toMatch(/loopback hosts only/);
    }
  });

  it('refuses an action from another site’s page with 403', async () => {
    const answer = await send('DELETE', '/_console/api/pools/p/identities/i/datasets/d', { host: `127.0.0.1:${port}`, origin: 'https://evil.example' });
    expect(answer).toEqual({ status: 403, body: { error: 'Forbidden', message: "the console answers loopback origins only, not 'https://evil.example'" } });
  });

  it('lets this machine’s requests through', async () => {
    const answer = await send('GET', '/_console/api/nothing-here', { host: `localhost:${port}`, origin: `http://localhost:${port}` });
    expect(answer.status).toBe(404);
    expect(answer.body.error).toBe('NotFound');
  });
});
