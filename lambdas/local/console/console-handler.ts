/**
 * Everything under `/_console` on the local endpoint: the built app, its JSON layer
 * (`/_console/api/*`, console-api.ts) and the live activity (`/_console/api/activity/events`,
 * server-sent events of the activity bus). Requests not from this machine are refused first
 * (loopback.ts), since all of it acts as the developer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActivityBus, StampedActivity } from './activity';
import { CONSOLE_BUILD_DIR } from './build';
import { ConsoleApi, type ConsoleApiOptions } from './console-api';
import { loopbackRefusal } from './loopback';
import { readStaticFile } from './static-files';

export const CONSOLE_PATH = '/_console';

/** JSON bodies of the actions: a record value is at most 1 MB (as UTF-8), escaped in JSON. */
const MAX_API_BODY_BYTES = 8 * 1024 * 1024;
/** A comment line this often keeps proxies and the browser from closing an idle event stream. */
const HEARTBEAT_MS = 15_000;

export const isConsolePath = (pathname: string): boolean => pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`);

export interface ConsoleHandlerOptions extends ConsoleApiOptions {
  /** Default dist/ beside build.ts. */
  readonly buildDir?: string;
}

export class ConsoleHandler {
  private readonly api: ConsoleApi;
  private readonly activity: ActivityBus;
  private readonly buildDir: string;
  private readonly streams = new Set<ServerResponse>();

  constructor(options: ConsoleHandlerOptions) {
    this.api = new ConsoleApi(options);
    this.activity = options.activity;
    this.buildDir = options.buildDir ?? CONSOLE_BUILD_DIR;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const origin = req.headers.origin;
      const refusal = loopbackRefusal({ host: req.headers.host ?? (req.headers[':authority'] as string | undefined), origin });
      if (refusal) return sendJson(res, 403, { error: 'Forbidden', message: refusal });
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const below = url.pathname.slice(CONSOLE_PATH.length);
      if (below === '') {
        res.writeHead(302, { location: `${CONSOLE_PATH}/` });
        res.end();
        return;
      }
      if (below === '/api/activity/events' && req.method === 'GET') return this.eventStream(req, res);
      if (below.startsWith('/api/')) {
        const body = await readJsonBody(req);
        const answer = await this.api.answer({ method: req.method ?? 'GET', path: below.slice('/api'.length), query: url.searchParams, body });
        return sendJson(res, answer.status, answer.body);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'MethodNotAllowed', message: `${req.method} is not served here` });
      let relative: string;
      try {
        relative = decodeURIComponent(below.slice(1));
      } catch {
        return sendJson(res, 400, { error: 'BadRequest', message: 'malformed path' });
      }
      const file = await readStaticFile(this.buildDir, relative);
      if (!file) {
        if (relative === '') return sendText(res, 503, 'The local console is not built: run `npm run console:build` (or `npm ci`, then `npm start`).');
        return sendJson(res, 404, { error: 'NotFound', message: `no console file ${relative}` });
      }
      res.writeHead(200, {
        'content-type': file.contentType,
        'content-length': file.body.length,
        'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        // The console loads nothing from elsewhere: no CDN, and no other site's scripts.
        'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : file.body);
    } catch (e) {
      if (e instanceof BodyTooLarge) return sendJson(res, 413, { error: 'RequestEntityTooLarge', message: e.message });
      if (e instanceof SyntaxError) return sendJson(res, 400, { error: 'SerializationException', message: 'the body is not JSON' });
      console.error('local console: request failed:', e);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: 'InternalError', message: (e as Error).message });
    }
  }

  /** The activity bus as server-sent events: what happened after `Last-Event-ID` (or nothing before now), then each event as it comes. */
  private eventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    const send = (event: StampedActivity) => res.write(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
    // A browser reconnecting says what it had: it gets what it missed. The ids sent are decimal
    // integers; anything else (an empty header, which Number() would read as 0) is no id at all.
    const lastEventId = req.headers['last-event-id'];
    if (typeof lastEventId === 'string' && /^\d+$/.test(lastEventId)) {
      const lastId = Number(lastEventId);
      for (const event of this.activity.recent()) if (event.id > lastId) send(event);
    }
    const unsubscribe = this.activity.subscribe(send);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.streams.add(res);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.streams.delete(res);
    });
  }

  close(): void {
    for (const stream of this.streams) stream.end();
    this.api.close();
  }
}

class BodyTooLarge extends Error {}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_API_BODY_BYTES) throw new BodyTooLarge(`a console request body is at most ${MAX_API_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
