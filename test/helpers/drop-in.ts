/**
 * Drop-in mode on one machine, as deployed: the local endpoint plays the real Cognito Identity
 * (the relay's upstream), moto plays KMS, DynamoDB Local holds the key table and the sync table,
 * and a small HTTP server plays the drop-in API: it turns each request into the payload 2.0 event
 * API Gateway sends with no authorizer, and hands `POST /` with a Cognito Identity target to the
 * relay and every other request to the operation of its route. The functions run either in-process
 * (the entry points, composed from the environment as in Lambda) or as their bundles, one Node
 * process per request (test/infra/bundle-runner.cjs).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { Context } from 'aws-lambda';
import { startMoto } from '../../lambdas/local/emulators/moto';
import { createKeyTable } from '../../lambdas/src/drop-in/key-table-schema';
import { matchRoute, type OperationName } from '../../lambdas/src/operations';
import type { SyncHttpEvent, SyncHttpResult } from '../../lambdas/src/protocol/http-event';
import { esbuildOptions, handlerEntry, LAMBDA_BUNDLING, NODE_OPTIONS, UNKNOWN_ROUTE } from '../../lib/bundling';
import { RELAY_ENTRY } from '../../lib/drop-in-entries';
import { freshTable, type FreshTable } from './dynamodb-local';
import type { Endpoint } from './local-endpoint';
import { runBundleProcess } from './bundle-process';

/**
 * RFC 3986 labels and the records path, as test/helpers/local-endpoint.ts builds them. Repeated
 * here because importing that helper loads the entry points, whose observability reads the
 * process configuration once: a drop-in test file must set the environment before that.
 */
export const rfc3986 = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function syncPath(pool: string, identity?: string, dataset?: string, suffix = ''): string {
  let p = `/identitypools/${rfc3986(pool)}`;
  if (identity !== undefined) p += `/identities/${rfc3986(identity)}`;
  if (dataset !== undefined) p += `/datasets/${rfc3986(dataset)}`;
  return p + suffix;
}

export type FunctionMode = 'in-process' | 'bundles';

export interface DropInWorld {
  /** The drop-in API: both endpoints an app changes point here. */
  readonly url: string;
  readonly region: string;
  /** The relay's upstream: the local endpoint's Cognito Identity. */
  readonly upstream: Endpoint;
  readonly keyTable: FreshTable & { readonly keyTableName: string };
  readonly kms: KMSClient;
  readonly kmsKeyId: string;
  /** The functions' environment, as the stack sets it with dropIn on. */
  readonly env: Readonly<Record<string, string>>;
  /** Events the functions received, in order. */
  readonly events: SyncHttpEvent[];
  close(): Promise<void>;
}

const RELAY = 'CognitoIdentityRelay';
export type FunctionName = OperationName | typeof UNKNOWN_ROUTE | typeof RELAY;

/** The payload 2.0 event of API Gateway for a route without an authorizer: no `authorizer` at all. */
export function unauthorizedEvent(req: IncomingMessage, body: Buffer, accountId: string): SyncHttpEvent {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQueryString = q < 0 ? '' : url.slice(q + 1);
  const method = (req.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const route = matchRoute(method, rawPath);
  const routeKey = route ? `${route.op.method} ${route.op.path}` : rawPath === '/' && method === 'POST' ? 'POST /' : '$default';
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(body.length > 0 ? { body: body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0,
    requestContext: {
      accountId,
      apiId: 'dropin',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'dropin',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
  } as unknown as SyncHttpEvent;
}

const context = (name: string): Context => ({ awsRequestId: randomUUID(), functionName: name, getRemainingTimeInMillis: () => 29_000 }) as unknown as Context;

/** Which function API Gateway's drop-in API would call for the event. */
function functionOf(event: SyncHttpEvent): FunctionName {
  if (event.routeKey === 'POST /') return RELAY;
  const route = matchRoute(event.requestContext.http.method, event.rawPath);
  return route ? route.op.name : UNKNOWN_ROUTE;
}

const entryOf = (name: FunctionName): string => (name === RELAY ? RELAY_ENTRY : handlerEntry(name));

async function inProcess(name: FunctionName, event: SyncHttpEvent): Promise<SyncHttpResult> {
  const { handler } = (await import(entryOf(name))) as { handler: (event: SyncHttpEvent, context: Context) => Promise<SyncHttpResult> };
  return handler(event, context(name));
}

async function throughBundle(file: string, name: string, event: SyncHttpEvent, env: Readonly<Record<string, string>>): Promise<SyncHttpResult> {
  const functionEnv = { PATH: process.env.PATH ?? '', NODE_OPTIONS, AWS_LAMBDA_FUNCTION_NAME: `open-cognito-sync-${name}`, ...env };
  return (await runBundleProcess<SyncHttpResult>(file, functionEnv, event)).result;
}

async function buildBundles(outdir: string, names: readonly FunctionName[]): Promise<Map<FunctionName, string>> {
  const { build } = await import('esbuild');
  const files = new Map<FunctionName, string>();
  await Promise.all(
    names.map(async (name) => {
      const file = path.join(outdir, name, 'index.js');
      const result = await build(esbuildOptions(LAMBDA_BUNDLING, entryOf(name), file));
      if (result.errors.length > 0) throw new Error(`esbuild failed for ${name}`);
      files.set(name, file);
    }),
  );
  return files;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface DropInWorldOptions {
  readonly mode: FunctionMode;
  /** The functions bundled in `bundles` mode. */
  readonly bundled?: readonly FunctionName[];
}

/** Where the relay finds its upstream: this server forwards it to the local endpoint's Cognito Identity. */
const UPSTREAM_PATH = '/__upstream/';

export async function startDropInWorld(options: DropInWorldOptions): Promise<DropInWorld> {
  const [moto, syncTable, keyTableBase] = await Promise.all([startMoto(), freshTable('drop-in-sync'), freshTable('drop-in-base')]);
  const keyTableName = `drop-in-keys-${randomUUID()}`;
  await createKeyTable(keyTableBase.client, keyTableName);
  const region = 'us-east-1';
  const kms = new KMSClient({ region, endpoint: moto.endpoint, credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' } });
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'drop-in test key' }));
  const kmsKeyId = KeyMetadata?.KeyId as string;

  let upstream: Endpoint | undefined;
  let bundles = new Map<FunctionName, string>();
  const events: SyncHttpEvent[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.url === UPSTREAM_PATH) {
        // The relay's HTTPS call to Cognito Identity, passed on as sent.
        const answer = await fetch(`${(upstream as Endpoint).url}/`, {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? '', 'x-amz-target': String(req.headers['x-amz-target'] ?? '') },
          body,
        });
        res.writeHead(answer.status, Object.fromEntries(answer.headers));
        res.end(Buffer.from(await answer.arrayBuffer()));
        return;
      }
      const event = unauthorizedEvent(req, body, (upstream as Endpoint).accountId);
      events.push(event);
      const name = functionOf(event);
      const file = bundles.get(name);
      if (options.mode === 'bundles' && !file) throw new Error(`no bundle built for ${name}`);
      const result = file ? await throughBundle(file, name, event, env) : await inProcess(name, event);
      res.writeHead(result.statusCode, result.headers);
      res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
    })().catch((e: unknown) => {
      console.error(e);
      if (!res.headersSent) res.writeHead(599);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env: Record<string, string> = {
    AWS_REGION: region,
    // moto and DynamoDB Local take any credentials; Lambda's come from its role.
    AWS_ACCESS_KEY_ID: 'moto',
    AWS_SECRET_ACCESS_KEY: 'moto',
    SYNC_TABLE_NAME: syncTable.tableName,
    DYNAMODB_ENDPOINT: syncTable.endpoint,
    SYNC_TOKEN_KEY: randomBytes(32).toString('hex'),
    SYNC_AWS_ENDPOINT: moto.endpoint,
    SYNC_DROP_IN_KEY_TABLE: keyTableName,
    SYNC_DROP_IN_KMS_KEY_ID: kmsKeyId,
    SYNC_DROP_IN_UPSTREAM: `${url}${UPSTREAM_PATH}`,
  };
  let outdir: string | undefined;
  if (options.mode === 'in-process') {
    // Read once, at the first composition (lambdas/src/config.ts), which may be the local
    // endpoint's: before it starts. This test file's process is the function instance.
    Object.assign(process.env, env);
  } else {
    outdir = await mkdtemp(path.join(tmpdir(), 'drop-in-bundles-'));
    bundles = await buildBundles(outdir, options.bundled ?? []);
  }
  // Imported only now: loading the local endpoint loads the entry points, whose observability reads the configuration.
  const { startEndpoint } = await import('./local-endpoint');
  upstream = await startEndpoint();
  const started = upstream;
  return {
    url,
    region,
    upstream: started,
    keyTable: { ...keyTableBase, keyTableName },
    kms,
    kmsKeyId,
    env,
    events,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      kms.destroy();
      await Promise.all([started.close(), moto.stop()]);
      syncTable.client.destroy();
      keyTableBase.client.destroy();
      if (outdir) await rm(outdir, { recursive: true, force: true });
    },
  };
}
