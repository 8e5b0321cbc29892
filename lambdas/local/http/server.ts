/**
 * The local endpoint: one HTTP port that serves Cognito Sync (rest-json) and the Cognito Identity
 * subset (JSON 1.1), so that an unmodified client only changes its endpoint.
 *
 * For Cognito Sync it does what API Gateway does when deployed: verify SigV4 (the IAM authorizer),
 * build the payload 2.0 event, and call the same entry point the Lambda functions run (`dispatch`),
 * in-process. Everything below the event is the deployed code, unchanged.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { Errors } from '../../src/errors';
import { errorResponse } from '../../src/protocol/error-response';
import { isWireError } from '../../src/protocol/errors';
import type { SyncHttpEvent, SyncHttpResult } from '../../src/protocol/http-event';
import { assertCanonicalPath } from '../../src/protocol/request';
import { loadConfig } from '../../src/config';
import { createDispatch } from './dispatch';
import { CallerPolicy } from '../../src/protocol/caller-policy';
import { createRuntime } from '../../src/runtime';
import { createPushAdapters } from '../../src/push-runtime';
import { handleCognitoIdentity, isCognitoIdentityRequest } from '../cognito-identity/cognito-identity';
import { developerCredentialsFromEnv, type DeveloperCredentials } from '../auth/credentials';
import { createDynamoDBLocalClient } from '../emulators/dynamodb-local';
import { LocalRuntimeError } from '../process/errors';
import { checkEventSize, integrationFailure, isResultTooLarge, MAX_EVENT_BYTES } from './deployed-limits';
import { corsPolicy, isCorsPreflight, type CorsPolicy } from './cors';
import { buildSyncHttpEvent, type LocalRequest } from './event';
import { LocalIdentityStore } from '../cognito-identity/identity-store';
import { localPoolDirectory } from '../cognito-identity/pool-directory';
import { localPoolLister } from '../cognito-identity/pool-lister';
import { localServiceConfig } from '../service-config';
import { composeInProcessBulkPublish } from '../../src/workers/compose-bulk-publish-worker';
import { type VerifiedCaller, verifySigV4 } from '../auth/sigv4';
import { answerClientError, answerConnect } from './unparsable-requests';
import { signedServiceOf } from '../edge/credential-scope';
import { answerEmulatorOff, proxyRequest } from '../edge/proxy';
import { edgeRouteFor, type EdgeTargets, isOwnRoute } from '../edge/routes';
import { MOTO_INSTALL_HINT } from '../emulators/moto';
import { http2Front } from '../edge/http2-front';
import { FunctionRegistry, type LocalFunction, type LocalFunctionSpec } from '../lambda/function-registry';
import { LocalLambdaApi } from '../lambda/lambda-api';
import { LambdaFunctionInvoker, syncTriggerClient } from '../../src/adapters/lambda/function-invoker';
import { ActivityBus } from '../console/activity';
import { ConsoleHandler, isConsolePath } from '../console/console-handler';

export type Dispatch = (event: SyncHttpEvent) => Promise<SyncHttpResult>;

/** The local function runner checks no signature: the trigger's client signs with any pair. */
const LOCAL_LAMBDA_CREDENTIALS = { accessKeyId: 'local-sync-trigger', secretAccessKey: 'local-sync-trigger' };

export interface LocalServerOptions {
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1: the endpoint is for this machine, not the network. */
  readonly host?: string;
  /** Default `AWS_REGION`, else us-east-1. Signatures must be scoped to it. */
  readonly region?: string;
  readonly tableName: string;
  readonly dynamoEndpoint: string;
  /** The account id callers are reported in. Default 000000000000. */
  readonly accountId?: string;
  /** Signs session credentials and the service's tokens. */
  readonly serverKey: Buffer;
  /** Default: SYNC_DEVELOPER_ACCESS_KEY_ID / SYNC_DEVELOPER_SECRET_ACCESS_KEY, else the documented pair. */
  readonly developer?: DeveloperCredentials;
  /** The entry point to call. Default: the deployed code (`createDispatch` of `src/handlers`) over this server's config. */
  readonly dispatch?: Dispatch;
  /**
   * Browser origins allowed besides the loopback ones (`http(s)://localhost`, `127.0.0.1`, `[::1]`,
   * any port), e.g. `https://app.example.test`; `*` allows every origin. See cors.ts for why.
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Rehearse the deployed API's rules: signatures for `execute-api` only, as API Gateway's IAM
   * authorizer checks them (a client still signing for `cognito-sync` gets the 403 it would get on
   * AWS). Default false: both signing names are accepted, so a client works before it is switched.
   * The deployed size limits (deployed-limits.ts) apply either way.
   */
  readonly deployedRules?: boolean;
  /** How to ask for another port, in the words the port was chosen with. Default `set PORT=<another port>`. */
  readonly portHint?: string;
  /** The moto server that answers requests signed for SNS, Kinesis, S3 and STS (edge/routes.ts); absent: moto is off. */
  readonly motoEndpoint?: string;
  /**
   * Functions of the local function runner (requests signed for `lambda`), by name: a pool's sync
   * trigger may name them (`arn:aws:lambda:<region>:<account>:function:NAME`).
   */
  readonly functions?: readonly LocalFunctionSpec[];
  /** The local console's activity bus (lambdas/local/console/): 409 answers and function invocations are told to it. Default: a bus of its own. */
  readonly activity?: ActivityBus;
}

export interface LocalServer {
  /** `http://<host>:<port>` */
  readonly url: string;
  readonly port: number;
  readonly region: string;
  /** The functions the local function runner serves. */
  readonly functions: readonly LocalFunction[];
  close(): Promise<void>;
}

/**
 * A body above this is refused before it is even buffered: its event could not be under Lambda's
 * 6 MiB (the event is never smaller than the body). Below it, the event itself is measured.
 */
export const MAX_BODY_BYTES = MAX_EVENT_BYTES;

/** What the endpoint accepts by default: the clients' own name, and the deployed API's. */
const SYNC_SIGNING_NAMES = ['cognito-sync', 'execute-api'] as const;
/** What API Gateway's IAM authorizer accepts. */
const DEPLOYED_SIGNING_NAMES = ['execute-api'] as const;

/**
 * Starts the server. The handlers run with this server's own configuration (service-config.ts),
 * injected into its dispatch: nothing is written to `process.env`, and several servers with
 * different tables and keys can run in one process.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  // The environment's region and storage layout, as the deployed functions read theirs.
  const fromEnvironment = loadConfig(process.env);
  const region = options.region ?? fromEnvironment.region;
  const accountId = options.accountId ?? '000000000000';
  const developer = options.developer ?? developerCredentialsFromEnv();
  const host = options.host ?? '127.0.0.1';

  const runtime = createRuntime(
    localServiceConfig({
      region,
      accountId,
      tableName: options.tableName,
      dynamoEndpoint: options.dynamoEndpoint,
      serverKey: options.serverKey,
      awsEndpoint: options.motoEndpoint,
      singleItemMaxBytes: fromEnvironment.storage.singleItemMaxBytes,
    }),
  );
  // The pools that exist are the local Cognito Identity's (the store is built at the first pool request, once `dynamo` is).
  const resolvePools = () => runtime.pools(localPoolDirectory(new LocalIdentityStore(dynamo, options.tableName)));
  // Pool usage lists, and knows, the local Cognito Identity's pools.
  const resolveUsage = () => {
    const identityStore = new LocalIdentityStore(dynamo, options.tableName);
    return runtime.usage(() => localPoolLister(identityStore), localPoolDirectory(identityStore));
  };
  const resolveEvents = () => runtime.events(localPoolDirectory(new LocalIdentityStore(dynamo, options.tableName)));
  const functionRegistry = new FunctionRegistry(region, accountId, options.functions);
  const activity = options.activity ?? new ActivityBus();
  // Each invocation (a sync trigger's, or one by hand) is shown in the local console with its answer or error.
  const lambdaApi = new LocalLambdaApi(functionRegistry, (fn, invocation) =>
    activity.publish({
      type: 'invocation',
      functionName: fn.name,
      requestId: invocation.requestId,
      payload: invocation.payload,
      error: invocation.functionError !== undefined,
    }),
  );
  // Sync triggers are invoked with the deployed adapter and client, at this endpoint's `lambda`
  // route; built at the first records request, once the port is known.
  let ownUrl = '';
  const localTriggers = (triggerRegion: string) =>
    new LambdaFunctionInvoker(syncTriggerClient({ region: triggerRegion, endpoint: ownUrl, credentials: LOCAL_LAMBDA_CREDENTIALS }));
  const resolveService = () => runtime.records(localTriggers);
  const callerPolicy = CallerPolicy.fromConfig(runtime.config.callers);
  // Push sync calls STS and SNS at moto (the config's awsEndpoint), as deployed it calls AWS's.
  const resolvePush = () => runtime.push(createPushAdapters);
  // BulkPublish's worker runs in this process (no worker function is configured locally).
  const resolveBulkPublish = () => runtime.bulkPublish(composeInProcessBulkPublish, localPoolDirectory(new LocalIdentityStore(dynamo, options.tableName)));
  const dispatch =
    options.dispatch ?? createDispatch({ resolveService, resolvePools, resolveEvents, resolvePush, resolveUsage, resolveBulkPublish, callerPolicy });
  const dynamo = createDynamoDBLocalClient(options.dynamoEndpoint);
  const identityConfig = {
    region,
    accountId,
    serverKey: options.serverKey,
    developer,
    store: new LocalIdentityStore(dynamo, options.tableName),
  };

  const signingNames = options.deployedRules ? DEPLOYED_SIGNING_NAMES : SYNC_SIGNING_NAMES;

  const answer = async (request: LocalRequest, requestId: string): Promise<SyncHttpResult> => {
    // Before the signature is looked at: a path the signer would normalize is not the path it signed.
    try {
      assertCanonicalPath(request.method, request.rawPath);
    } catch (e) {
      if (isWireError(e)) return errorResponse(e, requestId);
      throw e;
    }
    if (isCognitoIdentityRequest(request)) return handleCognitoIdentity(request, identityConfig, requestId);
    let caller: VerifiedCaller;
    try {
      caller = await verifySigV4(request, { region, accountId, serverKey: options.serverKey, developer, services: signingNames });
    } catch (e) {
      if (isWireError(e)) return errorResponse(e, requestId);
      throw e;
    }
    const event = buildSyncHttpEvent(request, caller, { requestId, nowMs: Date.now() });
    // Lambda measures the event as JSON, body escaped inside it: what it would refuse, we refuse.
    const tooLarge = checkEventSize(event);
    if (tooLarge) return errorResponse(tooLarge, requestId);
    const result = await dispatch(event);
    if (!result || typeof result.statusCode !== 'number') throw new Error('dispatch returned no response');
    // The console charts conflicts (ResourceConflictException) per minute.
    if (result.statusCode === 409) activity.publish({ type: 'conflict', path: request.rawPath });
    if (isResultTooLarge(result)) {
      // Deployed, Lambda would fail to return it and API Gateway would answer 500.
      console.error(`local server: request ${requestId}: the result is over Lambda's response limit; deployed, the client would get a 500.`);
      return integrationFailure(requestId);
    }
    return result;
  };

  const cors = corsPolicy(options.allowedOrigins);
  // Requests signed for DynamoDB go to the DynamoDB this server stores in: `npm start`'s DynamoDB Local.
  const edge: EdgeTargets = { dynamodb: options.dynamoEndpoint, moto: options.motoEndpoint };
  // The local console (/_console): its JSON layer calls this endpoint's own APIs as the developer.
  const consoleHandler = new ConsoleHandler({ endpointUrl: () => ownUrl, region, developer, activity });
  const handle = (req: IncomingMessage, res: ServerResponse) => void serve(req, res, answer, cors, edge, lambdaApi, consoleHandler);
  // Node would answer a request without Host, or with an `Expect` other than 100-continue, with a
  // bare 400 or 417 that no SDK can name. Both go through the pipeline instead: a missing Host
  // fails the signature check (SigV4 signs it), and an unknown expectation is ignored, which RFC
  // 9110 allows in place of a 417.
  const server = createServer({ requireHostHeader: false }, handle);
  server.on('checkExpectation', handle);
  // What Node's parser refuses, or hands over as a tunnel, still gets a rest-json answer.
  server.on('clientError', answerClientError);
  server.on('connect', answerConnect);
  const front = http2Front(server, handle);
  let port: number;
  try {
    port = await listen(front.server, options.port ?? 8080, host, options.portHint ?? 'set PORT=<another port>');
  } catch (e) {
    dynamo.destroy();
    runtime.close();
    throw e;
  }
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  ownUrl = `http://${hostInUrl}:${port}`;
  return {
    url: ownUrl,
    port,
    region,
    functions: functionRegistry.list(),
    close: () => {
      // The console's event streams never end by themselves.
      consoleHandler.close();
      // Idle keep-alive connections would otherwise hold close() open for seconds: the front drops them.
      return front.close().then(() => {
        dynamo.destroy();
        runtime.close();
      });
    },
  };
}

function listen(server: NetServer, port: number, host: string, portHint: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') {
        reject(new LocalRuntimeError(`Port ${port} is already in use: ${portHint} or stop the other process.`));
      } else if (e.code === 'EACCES') {
        reject(new LocalRuntimeError(`Port ${port} on ${host} is not allowed for this user: set PORT to a port above 1024.`));
      } else {
        reject(new LocalRuntimeError(`Could not listen on ${host}:${port}: ${e.message}`));
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** One request, start to finish. Whatever happens, the client gets an answer and the process lives. */
async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  answer: (request: LocalRequest, requestId: string) => Promise<SyncHttpResult>,
  cors: CorsPolicy,
  edge: EdgeTargets,
  lambdaApi: LocalLambdaApi,
  consoleHandler: ConsoleHandler,
): Promise<void> {
  const requestId = randomUUID();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  // The console is the endpoint's own page, for this machine's browser only (it refuses others itself).
  if (isConsolePath(q < 0 ? url : url.slice(0, q))) return consoleHandler.handle(req, res);
  // Another AWS service's request goes to its emulator untouched, CORS headers included: the
  // emulator answers it by its own rules.
  const route = isOwnRoute(q < 0 ? url : url.slice(0, q), req.headers['x-amz-target'])
    ? undefined
    : edgeRouteFor(signedServiceOf(lowerCaseHeaders(req.rawHeaders), q < 0 ? '' : url.slice(q + 1)), edge);
  if (route && 'proxyTo' in route) return proxyRequest(req, res, route.proxyTo);
  if (route && 'functions' in route) return lambdaApi.handle(req, res);
  if (route) return answerEmulatorOff(req, res, route.off, MOTO_INSTALL_HINT);
  // On every answer, errors included, so a browser page of an allowed origin can read them.
  for (const [name, value] of Object.entries(cors.responseHeaders(req.headers.origin))) res.setHeader(name, value);
  try {
    const headers = lowerCaseHeaders(req.rawHeaders);
    if (isCorsPreflight(req.method, headers)) return write(res, cors.preflight(headers, requestId), requestId);
    const body = await readBody(req);
    if (body === undefined) {
      return write(res, errorResponse(Errors.requestEntityTooLarge('Request Entity Too Large'), requestId), requestId);
    }
    const request: LocalRequest = {
      method: req.method ?? 'GET',
      rawPath: q < 0 ? url : url.slice(0, q),
      rawQueryString: q < 0 ? '' : url.slice(q + 1),
      headers,
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      protocol: `HTTP/${req.httpVersion}`,
    };
    write(res, await answer(request, requestId), requestId);
  } catch (e) {
    // A client that hung up has nobody to answer, and is not our failure.
    if (req.destroyed && !req.complete) return;
    console.error(`local server: request ${requestId} failed:`, e);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    try {
      write(res, errorResponse(Errors.internal('An internal error occurred.'), requestId), requestId);
    } catch {
      res.destroy();
    }
  }
}

/** Lower-cased names, repeats joined by `,`: what API Gateway hands the function (Node would join with `, `). */
function lowerCaseHeaders(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    headers[name] = name in headers ? `${headers[name]},${raw[i + 1]}` : raw[i + 1];
  }
  return headers;
}

/**
 * The whole body, or `undefined` when it is over the limit. An oversized body is still read to its
 * end (and dropped): answering before the client has finished sending would reset the connection
 * under it, and it would report that instead of our 413.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
    // A client that goes away mid-body: no 'end' will come. After 'end' this is a no-op.
    req.on('close', () => reject(new Error('the client closed the connection before the body ended')));
  });
}

function write(res: ServerResponse, result: SyncHttpResult, requestId: string): void {
  const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
  const headers: Record<string, string> = {
    // API Gateway's own request id header; the handlers set x-amzn-RequestId.
    'apigw-requestid': requestId,
  };
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    // Names keep their case (Android reads x-amzn-ErrorType case-sensitively); the length is ours.
    if (name.toLowerCase() !== 'content-length') headers[name] = String(value);
  }
  headers['content-length'] = String(body.length);
  res.writeHead(result.statusCode, headers);
  res.end(body);
}
