/**
 * The deployed handler is the tested handler: each operation's function, bundled with the stack's
 * esbuild settings (lib/bundling.ts), run in a plain Node process (test/infra/bundle-runner.cjs: no
 * vitest, no tsx) with a payload 2.0 event against DynamoDB Local, answers exactly as the in-process
 * `dispatch` the local endpoint calls: same status, same error, same body (tokens and timestamps
 * aside). A realistic sequence for the available operations, 501 for the others.
 *
 * The bundles run as in Lambda (`AWS_LAMBDA_FUNCTION_NAME` set), so their structured log line and
 * metrics are checked on the way.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/src/config';
import type { Principal } from '../../lambdas/src/domain/model';
import { createDispatch } from '../../lambdas/local/http/dispatch';
import { CallerPolicy } from '../../lambdas/src/protocol/caller-policy';
import { createRuntime } from '../../lambdas/src/runtime';
import { matchRoute, OPERATION_LIST, type OperationName, type OperationSpec } from '../../lambdas/src/operations';
import { headerValue } from '../../lambdas/src/protocol/headers';
import type { SyncHttpEvent, SyncHttpResult } from '../../lambdas/src/protocol/http-event';
import { sleep } from '../../lambdas/src/common/sleep';
import { isServerFault as isFault } from '../../lambdas/src/protocol/errors';
import { awsClientsOf, bundledPackages, sizeBudgetOf } from '../../bench/bundles';
import { esbuildOptions, handlerEntry, LAMBDA_BUNDLING, lambdaBundling, NODE_OPTIONS, UNKNOWN_ROUTE } from '../../lib/bundling';
import { buildOperationBundles, type LocalBundle } from '../../tools/local-bundles';
import { freshTable, type FreshTable } from '../helpers/dynamodb-local';
import { datasetPath, developer, encodeLabel, identity, identityPath, makeEvent, TEST_IDENTITY_ID, TEST_POOL_ID } from '../helpers/events';
import { type BundleProcessRun, runBundleProcess } from '../helpers/bundle-process';

const TOKEN_KEY = randomBytes(32).toString('hex');
const OTHER_IDENTITY = 'us-east-1:bbbbbbbb-cccc-dddd-eeee-ffffffffffff';
/** The identity pool roles, as the stack names them to both sides. */
const POOL_ROLE_NAMES = 'Cognito_AppAuth_Role,Cognito_AppUnauth_Role';

let outdir: string;
let bundles: Map<OperationName, LocalBundle>;
let bundleTable: FreshTable;
let localTable: FreshTable;
let dispatch: (event: SyncHttpEvent) => Promise<SyncHttpResult>;

beforeAll(async () => {
  outdir = await mkdtemp(path.join(tmpdir(), 'sync-bundles-'));
  const [built, a, b] = await Promise.all([buildOperationBundles(outdir), freshTable('bundle'), freshTable('in-process')]);
  bundles = new Map(built.map((bundle) => [bundle.operation, bundle]));
  bundleTable = a;
  localTable = b;

  // The in-process side, configured as the local server configures it: its own config, injected.
  const config = loadConfig({
    AWS_REGION: 'us-east-1',
    SYNC_TABLE_NAME: localTable.tableName,
    DYNAMODB_ENDPOINT: localTable.endpoint,
    SYNC_TOKEN_KEY: TOKEN_KEY,
    SYNC_DEVELOPER_PRINCIPALS: process.env.SYNC_DEVELOPER_PRINCIPALS,
    SYNC_IDENTITY_ROLE_NAMES: POOL_ROLE_NAMES,
  });
  const runtime = createRuntime(config);
  dispatch = createDispatch({ resolveService: runtime.records, callerPolicy: CallerPolicy.fromConfig(config.callers) });
}, 120_000);

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

type BundleRun = BundleProcessRun<SyncHttpResult>;

interface RunOptions {
  /** Another build of the operation's function. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** Routes as API Gateway does (method + path), then runs that operation's bundle once. */
function runBundle(event: SyncHttpEvent, options: RunOptions = {}): Promise<BundleRun> {
  const route = matchRoute(event.requestContext.http.method, event.rawPath);
  // A given file needs no route: the unknown-route function takes what no operation does.
  const name = route?.op.name ?? 'UnknownRoute';
  const file = options.file ?? (route && bundles.get(route.op.name)?.file);
  if (!file) throw new Error(`no bundle for ${event.routeKey}`);
  // Only what a function gets (as the Lambda runtime sets it): no AWS credentials, no vitest settings.
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_OPTIONS,
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: `open-cognito-sync-${name}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    SYNC_TABLE_NAME: bundleTable.tableName,
    DYNAMODB_ENDPOINT: bundleTable.endpoint,
    SYNC_TOKEN_KEY: TOKEN_KEY,
    // As the stack sets it (lib/sync-api.ts), naming the developer of the test events.
    SYNC_DEVELOPER_PRINCIPALS: process.env.SYNC_DEVELOPER_PRINCIPALS ?? '',
    SYNC_IDENTITY_ROLE_NAMES: POOL_ROLE_NAMES,
    ...options.env,
  };
  return runBundleProcess<SyncHttpResult>(file, env, event);
}

const header = (result: SyncHttpResult, name: string): string | undefined => headerValue(result.headers, name);

/** The body with what differs between two correct runs (tokens, clocks) masked. */
function comparable(result: SyncHttpResult): unknown {
  const mask = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(mask);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, /Token$|Date$/.test(k) ? (v === undefined ? v : '<masked>') : mask(v)]));
    }
    return value;
  };
  return {
    status: result.statusCode,
    errorType: header(result, 'x-amzn-ErrorType'),
    body: result.body ? mask(JSON.parse(result.body)) : '',
  };
}

interface Answers {
  readonly bundle: SyncHttpResult;
  readonly local: SyncHttpResult;
}

/** One request to both sides; `build` sees the side's own earlier answers (tokens differ). */
async function both(build: (side: 'bundle' | 'local') => SyncHttpEvent): Promise<Answers> {
  const bundleEvent = build('bundle');
  const [run, local] = await Promise.all([runBundle(bundleEvent), dispatch(build('local'))]);
  expect(comparable(run.result)).toEqual(comparable(local));

  // The function's own report of the request: one log line and its metrics.
  const op = matchRoute(bundleEvent.requestContext.http.method, bundleEvent.rawPath)!.op.name;
  const log = run.output.find((l) => l.message === 'request');
  expect(log).toMatchObject({
    level: isFault(run.result.statusCode) ? 'ERROR' : run.result.statusCode === 501 ? 'WARN' : 'INFO',
    service: 'open-cognito-sync',
    operation: op,
    requestId: bundleEvent.requestContext.requestId,
    status: run.result.statusCode,
    // The audit trail: who signed, for every request.
    ...(bundleEvent.requestContext.authorizer ? { userArn: bundleEvent.requestContext.authorizer.iam.userArn } : {}),
  });
  const emf = run.output.find((l) => typeof l._aws === 'object' && 'Latency' in l);
  expect(emf).toMatchObject({ Operation: op, Faults: isFault(run.result.statusCode) ? 1 : 0, Conflicts: run.result.statusCode === 409 ? 1 : 0 });
  // Each run is a fresh process: a cold start, counted once.
  expect(run.output.find((l) => typeof l._aws === 'object' && 'ColdStart' in l)).toMatchObject({ ColdStart: 1 });
  return { bundle: run.result, local };
}

const bodyOf = (result: SyncHttpResult): Record<string, unknown> => JSON.parse(result.body) as Record<string, unknown>;

describe('each operation bundle answers as the local endpoint does', () => {
  const dev = developer();
  const me = identity();
  const ds = datasetPath('settings');
  const tokens: Record<'bundle' | 'local', string> = { bundle: '', local: '' };

  const event = (method: string, rawPath: string, principal: Principal | null, extra: { query?: Record<string, string | number>; body?: unknown } = {}) =>
    makeEvent({ method, rawPath, principal, ...extra });

  it('starts empty', async () => {
    const { bundle } = await both(() => event('GET', `${identityPath()}/datasets`, dev));
    expect(bundle.statusCode).toBe(200);
    const { bundle: missing } = await both(() => event('GET', ds, me));
    expect(missing.statusCode).toBe(404);
    expect(header(missing, 'x-amzn-ErrorType')).toBe('ResourceNotFoundException');
  });

  it('syncs: ListRecords opens a session, UpdateRecords commits, a stale patch conflicts', async () => {
    const { bundle, local } = await both(() => event('GET', `${ds}/records`, me));
    tokens.bundle = bodyOf(bundle).SyncSessionToken as string;
    tokens.local = bodyOf(local).SyncSessionToken as string;
    expect(tokens.bundle).toBeTruthy();

    const patches = [
      { Op: 'replace', Key: 'theme', Value: 'dark', SyncCount: 0 },
      { Op: 'replace', Key: 'lang', Value: 'fr', SyncCount: 0 },
    ];
    const { bundle: updated } = await both((side) =>
      event('POST', ds, me, { body: { SyncSessionToken: tokens[side], RecordPatches: patches, DeviceId: 'device-1' } }),
    );
    expect(updated.statusCode).toBe(200);
    expect(bodyOf(updated).Records).toHaveLength(2);

    const { bundle: conflict } = await both((side) => event('POST', ds, me, { body: { SyncSessionToken: tokens[side], RecordPatches: [patches[0]] } }));
    expect(conflict.statusCode).toBe(409);
    expect(header(conflict, 'x-amzn-ErrorType')).toBe('ResourceConflictException');

    const { bundle: badToken } = await both(() => event('POST', ds, me, { body: { SyncSessionToken: 'not-a-token', RecordPatches: [] } }));
    expect(header(badToken, 'x-amzn-ErrorType')).toBe('InvalidParameterException');
  });

  it('reads back what was written', async () => {
    const { bundle: changes } = await both(() => event('GET', `${ds}/records`, me, { query: { lastSyncCount: 0 } }));
    expect(bodyOf(changes)).toMatchObject({ DatasetSyncCount: 1, Count: 2, DatasetExists: true });
    const { bundle: described } = await both(() => event('GET', ds, dev));
    expect(bodyOf(described).Dataset).toMatchObject({ DatasetName: 'settings', NumRecords: 2 });
    const { bundle: usage } = await both(() => event('GET', identityPath(), me));
    expect(bodyOf(usage).IdentityUsage).toMatchObject({ DatasetCount: 1 });
    const { bundle: list } = await both(() => event('GET', `${identityPath()}/datasets`, me, { query: { maxResults: 10 } }));
    expect(bodyOf(list).Count).toBe(1);
  });

  it('refuses what the protocol refuses', async () => {
    const { bundle: otherIdentity } = await both(() => event('GET', `${datasetPath('settings', TEST_POOL_ID, OTHER_IDENTITY)}/records`, me));
    expect(otherIdentity.statusCode).toBe(403);
    const { bundle: invalid } = await both(() => event('GET', datasetPath('bad name!'), dev));
    expect(header(invalid, 'x-amzn-ErrorType')).toBe('InvalidParameterException');
    const { bundle: anonymous } = await both(() => event('GET', ds, null));
    expect(anonymous.statusCode).toBe(403);
    // A pool role's session that API Gateway gives no Cognito identity is no developer.
    const { bundle: poolRole } = await both(() => {
      const e = event('GET', ds, dev);
      const iam = { ...e.requestContext.authorizer.iam, userArn: 'arn:aws:sts::123456789012:assumed-role/Cognito_AppUnauth_Role/CognitoIdentityCredentials' };
      return { ...e, requestContext: { ...e.requestContext, authorizer: { iam } } };
    });
    expect(poolRole.statusCode).toBe(403);
    expect(header(poolRole, 'x-amzn-ErrorType')).toBe('AccessDeniedException');
  });

  it('deletes, and remembers the deletion', async () => {
    const { bundle: deleted } = await both(() => event('DELETE', ds, me));
    expect(deleted.statusCode).toBe(200);
    const { bundle: gone } = await both(() => event('GET', ds, me));
    expect(gone.statusCode).toBe(404);
    const { bundle: after } = await both(() => event('GET', `${ds}/records`, me));
    expect(bodyOf(after).DatasetExists).toBe(false);
  });

  it('answers 501 for every operation not available yet', async () => {
    const unavailable = OPERATION_LIST.filter((op) => !op.available);
    expect(unavailable.length + OPERATION_LIST.filter((op) => op.available).length).toBe(OPERATION_LIST.length);
    await Promise.all(
      unavailable.map(async (op) => {
        const { bundle } = await both(() => sampleEvent(op));
        expect(bundle.statusCode, op.name).toBe(501);
      }),
    );
  });
});

/** A well-formed request for any operation of the table, by a caller it accepts. */
function sampleEvent(op: OperationSpec): SyncHttpEvent {
  const labels: Record<string, string> = {
    IdentityPoolId: TEST_POOL_ID,
    IdentityId: TEST_IDENTITY_ID,
    DatasetName: 'settings',
    DeviceId: 'device-1',
  };
  const rawPath = op.path.replace(/\{(\w+)\}/g, (_, label: string) => {
    if (!(label in labels)) throw new Error(`no sample value for {${label}}`);
    return encodeLabel(labels[label]);
  });
  return makeEvent({
    method: op.method,
    rawPath,
    principal: op.callers === 'developer' ? developer() : identity(),
    ...(op.method === 'POST' ? { body: {} } : {}),
  });
}

describe('the unknown-route function, which also takes the unauthenticated OPTIONS /{proxy+} route', () => {
  let file: string;

  beforeAll(async () => {
    file = path.join(outdir, 'UnknownRoute', 'index.js');
    const { build } = await import('esbuild');
    await build(esbuildOptions(LAMBDA_BUNDLING, handlerEntry(UNKNOWN_ROUTE), file));
  }, 60_000);

  /** A browser's preflight as API Gateway hands it on: unsigned, so no authorizer context. */
  const preflight = (origin: string) =>
    makeEvent({
      method: 'OPTIONS',
      rawPath: `${datasetPath('settings')}/records`,
      principal: null,
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,x-amz-date,x-amz-security-token' },
    });

  it('answers a preflight 204 with the CORS headers, not 403', async () => {
    const { result } = await runBundle(preflight('https://app.example.com'), { file, env: { SYNC_CORS_ALLOW_ORIGINS: '*' } });
    expect(result.statusCode).toBe(204);
    expect(header(result, 'access-control-allow-origin')).toBe('*');
    expect(header(result, 'access-control-allow-methods')?.split(',')).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE']));
    expect(header(result, 'access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256']),
    );
    expect(result.body).toBe('');
  });

  it('names an allowed origin, and gives an origin not allowed no CORS headers', async () => {
    const env = { SYNC_CORS_ALLOW_ORIGINS: 'https://app.example.com,https://admin.example.com' };
    const [allowed, refused] = await Promise.all([
      runBundle(preflight('https://admin.example.com'), { file, env }),
      runBundle(preflight('https://evil.example.net'), { file, env }),
    ]);
    expect(allowed.result.statusCode).toBe(204);
    expect(header(allowed.result, 'access-control-allow-origin')).toBe('https://admin.example.com');
    expect(header(refused.result, 'access-control-allow-origin')).toBeUndefined();
  });

  it('answers any other request, an OPTIONS without preflight headers too, UnknownOperationException', async () => {
    const { result } = await runBundle(makeEvent({ method: 'OPTIONS', rawPath: '/identitypools', principal: null }), {
      file,
      env: { SYNC_CORS_ALLOW_ORIGINS: '*' },
    });
    expect(result.statusCode).toBe(404);
    expect(header(result, 'x-amzn-ErrorType')).toBe('UnknownOperationException');
  });
});

describe('bundles', () => {
  it('one per operation, each exporting the handler', () => {
    expect([...bundles.keys()].sort()).toEqual(OPERATION_LIST.map((op) => op.name).sort());
    for (const bundle of bundles.values()) expect(bundle.bytes).toBeGreaterThan(0);
  });

  it('hold only what their operation composes: no AWS client where the operation is not available yet, each within its budget', async () => {
    const sizes = OPERATION_LIST.map((op) => ({ op, bundle: bundles.get(op.name)! }));
    const available = sizes.filter(({ op }) => op.available);
    const unavailable = sizes.filter(({ op }) => !op.available);
    expect(available.length).toBeGreaterThan(0);
    for (const { op, bundle } of sizes) {
      const packages = await bundledPackages(bundle);
      expect(bundle.bytes, `${op.name}: ${bundle.bytes} bytes`).toBeLessThanOrEqual(sizeBudgetOf(op.name));
      if (op.available) {
        expect(awsClientsOf(packages), op.name).toContain('client-dynamodb');
      } else {
        // It answers 501 before any service: no runtime, no SDK client, not even the SDK's core.
        expect(
          [...packages].filter((name) => name.startsWith('@aws-sdk/')),
          op.name,
        ).toEqual([]);
      }
    }
    // Much smaller: the unavailable ones carry the protocol and Powertools, not the clients. (Every
    // operation of the model is available now; the rule stays for the next one added to the table.)
    if (unavailable.length > 0) {
      const largestUnavailable = Math.max(...unavailable.map(({ bundle }) => bundle.bytes));
      const smallestAvailable = Math.min(...available.map(({ bundle }) => bundle.bytes));
      expect(largestUnavailable * 4).toBeLessThan(smallestAvailable);
    }
  });

  it("carry the Lambda credential provider, not the SDK's full chain (SSO, INI, STS...)", async () => {
    const code = await readFile(bundles.get('UpdateRecords')!.file, 'utf8');
    expect(code).not.toContain('defaultProvider::fromSSO');
    expect(code).not.toContain('defaultProvider::fromIni');
    expect(code).toContain('credential-provider-http - fromHttp');
  });
});

/** An X-Ray segment document as the daemon receives it: free-form JSON the assertions walk into. */
// biome-ignore lint/suspicious/noExplicitAny: the tests read nested, optional segment fields whose shape X-Ray owns.
type TraceDocument = Record<string, any>;

describe('tracing', () => {
  let traced: LocalBundle;

  /** Runs the traced bundle once beside an X-Ray daemon, as Lambda runs it; the documents it got. */
  async function runTraced(event: SyncHttpEvent, traceId: string): Promise<{ run: BundleRun; documents: TraceDocument[] }> {
    const daemon = createSocket('udp4');
    const documents: TraceDocument[] = [];
    daemon.on('message', (message) => {
      const [, body] = message.toString('utf8').split('\n');
      if (body) documents.push(JSON.parse(body) as Record<string, unknown>);
    });
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    try {
      const run = await runBundle(event, {
        file: traced.file,
        env: {
          AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
          LAMBDA_TASK_ROOT: path.dirname(traced.file),
          AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
          _X_AMZN_TRACE_ID: `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1`,
        },
      });
      await sleep(100);
      return { run, documents };
    } finally {
      daemon.close();
    }
  }

  it('a bundle built with tracing sends an X-Ray subsegment per request, annotated', async () => {
    [traced] = await buildOperationBundles(path.join(outdir, 'traced'), {
      bundling: lambdaBundling({ tracing: true }),
      operations: ['ListRecords'],
    });
    const untraced = await readFile(bundles.get('ListRecords')!.file, 'utf8');
    expect(untraced, 'the X-Ray SDK stays out of bundles without tracing').not.toContain('AWS_XRAY_DAEMON_ADDRESS');

    const traceId = '1-5759e988-bd862e3fe1be46a994272793';
    const { run, documents } = await runTraced(makeEvent({ method: 'GET', rawPath: `${datasetPath('traced')}/records`, principal: identity() }), traceId);
    expect(run.result.statusCode).toBe(200);
    const handler = documents.find((d) => d.name === '## ListRecords');
    expect(handler).toMatchObject({
      type: 'subsegment',
      trace_id: traceId,
      annotations: { ColdStart: true, Service: 'open-cognito-sync', Operation: 'ListRecords' },
    });
    expect(handler!.fault).toBeUndefined();
    // The AWS SDK's calls become subsegments through the patched `https` module; DynamoDB Local
    // speaks plain http, which the SDK's handler binds before any patch, so they are not seen here.
  });

  it('flags a refused request as an error of the caller, not a fault of the service', async () => {
    expect(traced, 'built by the test above').toBeDefined();
    // Another identity's records: 403 NotAuthorizedException, thrown by a protocol middleware.
    const refused = makeEvent({ method: 'GET', rawPath: `${datasetPath('traced', TEST_POOL_ID, OTHER_IDENTITY)}/records`, principal: identity() });
    const { run, documents } = await runTraced(refused, '1-5759e988-bd862e3fe1be46a994272794');
    expect(run.result.statusCode).toBe(403);
    const handler = documents.find((d) => d.name === '## ListRecords');
    expect(handler).toMatchObject({ error: true, annotations: { Operation: 'ListRecords' } });
    expect(handler!.fault).toBeUndefined();
  });
});
