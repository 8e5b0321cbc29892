/**
 * The local server around the handlers: the payload 2.0 event it builds (checked against the field
 * table of `http-event.ts` by capturing what it hands to `dispatch`), and how it answers what the
 * handlers never see: oversized bodies, a throwing entry point, CORS preflights, malformed input.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEVELOPER_ACCESS_KEY_ID, DEFAULT_DEVELOPER_SECRET_ACCESS_KEY } from '../../lambdas/local/auth/credentials';
import { MAX_BODY_BYTES, startLocalServer, type LocalServer } from '../../lambdas/local/http/server';
import type { SyncHttpEvent, SyncHttpResult } from '../../lambdas/src/protocol/http-event';
import { freshTable } from '../helpers/dynamodb-local';

const REGION = 'us-east-1';
const developer = { accessKeyId: DEFAULT_DEVELOPER_ACCESS_KEY_ID, secretAccessKey: DEFAULT_DEVELOPER_SECRET_ACCESS_KEY };
const serverKey = randomBytes(32);
const POOL = 'us-east-1:11111111-2222-4333-8444-555555555555';
const IDENTITY = 'us-east-1:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

let table: Awaited<ReturnType<typeof freshTable>>;
let server: LocalServer;
const seen: SyncHttpEvent[] = [];
/** What the captured `dispatch` does next. */
let reply: (event: SyncHttpEvent) => Promise<SyncHttpResult> = async () => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json', 'x-amzn-RequestId': 'from-handler' },
  body: '{"ok":true}',
});

beforeAll(async () => {
  table = await freshTable('local-server');
  server = await startLocalServer({
    port: 0,
    region: REGION,
    tableName: table.tableName,
    dynamoEndpoint: table.endpoint,
    serverKey,
    developer,
    dispatch: (event) => {
      seen.push(event);
      return reply(event);
    },
  });
});

afterAll(async () => {
  await server?.close();
});

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Signs (unless told not to) and sends with node:http, so repeated headers stay repeated. */
async function send(options: {
  method?: string;
  path: string;
  query?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
  unsignedHeaders?: Record<string, string | string[]>;
  unsigned?: boolean;
  service?: string;
}): Promise<Sent> {
  const url = new URL(server.url);
  let headers: Record<string, string> = { host: url.host, ...options.headers };
  if (!options.unsigned) {
    const signer = new SignatureV4({ credentials: developer, region: REGION, service: options.service ?? 'cognito-sync', sha256: Sha256 });
    const signed = await signer.sign(
      new HttpRequest({ method: options.method ?? 'GET', hostname: url.hostname, path: options.path, query: options.query ?? {}, headers, body: options.body }),
    );
    headers = signed.headers;
  }
  const query = Object.entries(options.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path + (query ? `?${query}` : ''),
        headers: { ...headers, ...options.unsignedHeaders },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const datasetPath = `/identitypools/${encodeURIComponent(POOL)}/identities/${encodeURIComponent(IDENTITY)}/datasets/my-data`;

describe('the payload 2.0 event', () => {
  it('carries the request as API Gateway would, field by field', async () => {
    seen.length = 0;
    const body = '{"SyncSessionToken":"t","RecordPatches":[]}';
    const res = await send({
      method: 'POST',
      path: datasetPath,
      body,
      headers: { 'Content-Type': 'application/json', 'X-Amz-Client-Context': 'ctx', 'user-agent': 'test-agent/1.0' },
      unsignedHeaders: { 'x-repeated': ['one', 'two'] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"ok":true}');
    // The handler's headers keep their case; API Gateway's own request id is added beside them.
    expect(res.headers['x-amzn-requestid']).toBe('from-handler');
    expect(res.headers['apigw-requestid']).toMatch(/^[0-9a-f-]{36}$/);

    const [event] = seen;
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('POST /identitypools/{IdentityPoolId}/identities/{IdentityId}/datasets/{DatasetName}');
    expect(event.rawPath).toBe(datasetPath);
    expect(event.rawPath).toContain('%3A');
    expect(event.rawQueryString).toBe('');
    expect(event.body).toBe(body);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers['x-amz-client-context']).toBe('ctx');
    expect(event.headers['x-repeated']).toBe('one,two');
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);

    const ctx = event.requestContext;
    expect(ctx).toMatchObject({
      accountId: '000000000000',
      apiId: 'local',
      domainName: new URL(server.url).host,
      routeKey: event.routeKey,
      stage: '$default',
      http: { method: 'POST', path: datasetPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent/1.0' },
    });
    expect(ctx.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
    expect(ctx.requestId).toBe(res.headers['apigw-requestid']);
    expect(Math.abs(ctx.timeEpoch - Date.now())).toBeLessThan(10_000);
    expect(ctx.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(ctx.authorizer.iam).toEqual({
      accessKey: developer.accessKeyId,
      accountId: '000000000000',
      callerId: 'AIDALOCALDEVELOPER',
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: 'arn:aws:iam::000000000000:user/local-developer',
      userId: 'AIDALOCALDEVELOPER',
    });
  });

  it('keeps the query as sent, leaves out an empty body, and routes unknown paths to $default', async () => {
    seen.length = 0;
    await send({ path: `${datasetPath}/records`, query: { lastSyncCount: '3', syncSessionToken: 'a b' } });
    expect(seen[0].routeKey).toBe('GET /identitypools/{IdentityPoolId}/identities/{IdentityId}/datasets/{DatasetName}/records');
    expect(seen[0].rawQueryString).toBe('lastSyncCount=3&syncSessionToken=a%20b');
    expect(seen[0].body).toBeUndefined();

    await send({ path: '/not/an/operation' });
    await send({ method: 'DELETE', path: '/identitypools' });
    await send({ path: '/identitypools/%E0%A4%A/identities' });
    expect(seen.slice(1).map((e) => e.routeKey)).toEqual(['$default', '$default', '$default']);
  });

  it('names the Cognito identity of session credentials', async () => {
    const anonymous = new CognitoIdentityClient({ region: REGION, endpoint: server.url });
    const developerClient = new CognitoIdentityClient({ region: REGION, endpoint: server.url, credentials: developer });
    const { IdentityPoolId } = await developerClient.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'event', AllowUnauthenticatedIdentities: true }));
    const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId }));
    const { Credentials } = await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    const url = new URL(server.url);
    const signer = new SignatureV4({
      credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretKey!, sessionToken: Credentials!.SessionToken },
      region: REGION,
      service: 'execute-api',
      sha256: Sha256,
    });
    const path = `/identitypools/${encodeURIComponent(IdentityPoolId!)}/identities/${encodeURIComponent(IdentityId!)}/datasets`;
    const signed = await signer.sign(new HttpRequest({ method: 'GET', hostname: url.hostname, path, headers: { host: url.host } }));
    seen.length = 0;
    const res = await fetch(`${server.url}${path}`, { headers: signed.headers });
    expect(res.status).toBe(200);
    expect(seen[0].requestContext.authorizer.iam).toMatchObject({
      accessKey: Credentials!.AccessKeyId,
      cognitoIdentity: { amr: ['unauthenticated'], identityId: IdentityId, identityPoolId: IdentityPoolId },
      principalOrgId: null,
    });
    anonymous.destroy();
    developerClient.destroy();
  });
});

describe('answers the server gives itself', () => {
  it('413 for a body over the limit, without calling the handler', async () => {
    seen.length = 0;
    const res = await send({ method: 'POST', path: datasetPath, body: 'x'.repeat(MAX_BODY_BYTES + 1), unsigned: true });
    expect(res.status).toBe(413);
    expect(res.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(seen).toHaveLength(0);
  });

  it('500 InternalErrorException when the entry point throws, and goes on serving', async () => {
    reply = async () => {
      throw new Error('boom');
    };
    const originalError = console.error;
    console.error = () => undefined;
    try {
      const res = await send({ path: datasetPath });
      expect(res.status).toBe(500);
      expect(res.headers['x-amzn-errortype']).toBe('InternalErrorException');
      expect(JSON.parse(res.body)).toEqual({ __type: 'InternalErrorException', message: 'An internal error occurred.' });
    } finally {
      console.error = originalError;
      reply = async () => ({ statusCode: 204, headers: {}, body: '' });
    }
    expect((await send({ path: datasetPath })).status).toBe(204);
  });

  it('rejects a malformed Authorization header with IncompleteSignatureException', async () => {
    const res = await send({ path: datasetPath, unsigned: true, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x' } });
    expect(res.status).toBe(403);
    expect(res.headers['x-amzn-errortype']).toBe('IncompleteSignatureException');
    expect(JSON.parse(res.body).message).toMatch(/requires 'Signature' parameter/);
    const other = await send({ path: datasetPath, unsigned: true, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(other.headers['x-amzn-errortype']).toBe('IncompleteSignatureException');
  });

  it('answers CORS preflights for browser apps on this machine, echoing their origin', async () => {
    const res = await send({
      method: 'OPTIONS',
      path: datasetPath,
      unsigned: true,
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-amz-date' },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(res.headers.vary).toBe('Origin');
    expect(res.headers['access-control-allow-headers']).toBe('authorization,x-amz-date');
  });

  it('answers bad Cognito Identity input with JSON 1.1 errors', async () => {
    const target = (op: string, body: string) =>
      send({
        method: 'POST',
        path: '/',
        body,
        unsigned: true,
        headers: { 'x-amz-target': `AWSCognitoIdentityService.${op}`, 'content-type': 'application/x-amz-json-1.1' },
      });
    const bad = await target('GetId', '{not json');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(bad.body).__type).toBe('SerializationException');
    const missing = await target('GetId', '{}');
    expect(JSON.parse(missing.body)).toEqual({
      __type: 'InvalidParameterException',
      message: "1 validation error detected: Value null at 'identityPoolId' failed to satisfy constraint: Member must not be null",
    });
    const unsigned = await target('CreateIdentityPool', '{"IdentityPoolName":"x","AllowUnauthenticatedIdentities":true}');
    expect(unsigned.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    const unknown = await target('UpdateIdentityPool', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.headers['x-amzn-errortype']).toBe('UnknownOperationException');
  });

  it('keeps pools and identities in the table, so they outlive the server', async () => {
    const developerClient = new CognitoIdentityClient({ region: REGION, endpoint: server.url, credentials: developer });
    const { IdentityPoolId } = await developerClient.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'kept', AllowUnauthenticatedIdentities: true }));
    const { IdentityId } = await developerClient.send(new GetIdCommand({ IdentityPoolId }));
    developerClient.destroy();

    const second = await startLocalServer({
      port: 0,
      region: REGION,
      tableName: table.tableName,
      dynamoEndpoint: table.endpoint,
      serverKey,
      developer,
      dispatch: reply,
    });
    try {
      const client = new CognitoIdentityClient({ region: REGION, endpoint: second.url });
      expect((await client.send(new GetCredentialsForIdentityCommand({ IdentityId }))).IdentityId).toBe(IdentityId);
      expect((await client.send(new GetIdCommand({ IdentityPoolId }))).IdentityId).toMatch(/^us-east-1:/);
      client.destroy();
    } finally {
      await second.close();
    }
  });
});

/** Writes `raw` on a fresh connection and returns everything the server sent before closing it. */
function sendRawBytes(raw: string | Buffer): Promise<string> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

/** Status, lower-cased headers and body of a raw HTTP/1.1 response. */
function parseRawResponse(text: string): Sent {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

function expectRestJsonError(res: Sent, status: number, type: string, message?: string | RegExp): void {
  const context = JSON.stringify(res);
  expect(res.status, context).toBe(status);
  expect(res.headers['x-amzn-errortype'], context).toBe(type);
  expect(res.headers['x-amzn-requestid'], context).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.headers['content-type'], context).toBe('application/json');
  const body = JSON.parse(res.body);
  expect(body.__type, context).toBe(type);
  if (typeof message === 'string') expect(body.message, context).toBe(message);
  else if (message) expect(body.message, context).toMatch(message);
}

describe('requests the HTTP parser refuses', () => {
  it('an unknown or lower-case method is a rest-json 404 UnknownOperationException, and the server goes on', async () => {
    for (const method of ['FOO', 'get']) {
      const res = parseRawResponse(await sendRawBytes(`${method} /x HTTP/1.1\r\nHost: localhost\r\n\r\n`));
      expectRestJsonError(res, 404, 'UnknownOperationException', `No operation matches ${method} /x`);
      expect(res.headers.connection).toBe('close');
    }
    reply = async () => ({ statusCode: 204, headers: {}, body: '' });
    expect((await send({ path: datasetPath })).status).toBe(204);
  });

  it('a raw non-ASCII path is a rest-json 400 InvalidParameterException', async () => {
    for (const encoding of ['utf8', 'latin1'] as const) {
      const raw = Buffer.from('GET /identitypools/d\u00fc HTTP/1.1\r\nHost: localhost\r\n\r\n', encoding);
      expectRestJsonError(parseRawResponse(await sendRawBytes(raw)), 400, 'InvalidParameterException', /^The request path must be printable ASCII/);
    }
  });

  it('CONNECT is a rest-json 404 UnknownOperationException, not a silent close', async () => {
    seen.length = 0;
    const res = parseRawResponse(await sendRawBytes('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
    expectRestJsonError(res, 404, 'UnknownOperationException', 'No operation matches CONNECT example.com:443');
    expect(seen).toHaveLength(0);
  });

  it('a CONNECT with a body, from a client that never hangs up, is answered and does not hold close() open', async () => {
    // Found by the fuzzer: the tunnelled socket was neither read nor closed, so close() waited forever.
    const own = await startLocalServer({
      port: 0,
      region: REGION,
      tableName: table.tableName,
      dynamoEndpoint: table.endpoint,
      serverKey,
      developer,
      dispatch: reply,
    });
    const url = new URL(own.url);
    const socket = connect({ port: Number(url.port), host: url.hostname, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.write('CONNECT /identitypools/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 70000\r\n\r\n');
    socket.write(Buffer.alloc(70_000, 0x61));
    await new Promise<void>((resolve) => socket.once('end', () => resolve()));
    expectRestJsonError(parseRawResponse(Buffer.concat(chunks).toString('utf8')), 404, 'UnknownOperationException');
    await own.close(); // hangs (test time-out) while the server keeps the socket
    socket.destroy();
  });

  it('a request without Host, or with an expectation other than 100-continue, still gets a rest-json answer', async () => {
    const noHost = parseRawResponse(await sendRawBytes('GET /x HTTP/1.1\r\nConnection: close\r\n\r\n'));
    expect(noHost.status).toBeGreaterThanOrEqual(400);
    expect(noHost.headers['x-amzn-errortype'], JSON.stringify(noHost)).toBeTruthy();
    const fancy = parseRawResponse(await sendRawBytes('GET /x HTTP/1.1\r\nHost: localhost\r\nExpect: fancy\r\nConnection: close\r\n\r\n'));
    expect(fancy.status).toBeGreaterThanOrEqual(400);
    expect(fancy.headers['x-amzn-errortype'], JSON.stringify(fancy)).toBeTruthy();
  });

  it('an HTTP/1 request whose first packet is only "P" (the start of the HTTP/2 preface too) is still answered as HTTP/1', async () => {
    const url = new URL(server.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write('P');
        setTimeout(() => socket.write('ROPFIND /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'), 50);
      });
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
    });
    // Unsigned: the HTTP/1 pipeline's answer, where the HTTP/2 server would drop the connection.
    expectRestJsonError(parseRawResponse(raw), 403, 'MissingAuthenticationTokenException');
  });

  it('other malformed requests are a rest-json 400 SerializationException', async () => {
    const res = parseRawResponse(await sendRawBytes('GET /x HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n'));
    expectRestJsonError(res, 400, 'SerializationException', 'The request is not valid HTTP/1.1 (HPE_INVALID_HEADER_TOKEN)');
  });
});

describe('paths a signer would normalize', () => {
  const identityPath = `/identitypools/${encodeURIComponent(POOL)}/identities/${encodeURIComponent(IDENTITY)}`;

  /** Signs for `signedPath` and sends to `sentPath`: a signature replayed on a path that normalizes to the signed one. */
  async function sendSignedFor(signedPath: string, sentPath: string, method = 'GET'): Promise<Sent> {
    const url = new URL(server.url);
    const signer = new SignatureV4({ credentials: developer, region: REGION, service: 'cognito-sync', sha256: Sha256 });
    const signed = await signer.sign(new HttpRequest({ method, hostname: url.hostname, path: signedPath, headers: { host: url.host } }));
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method, path: sentPath, headers: signed.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('a signature made for …/identities/I is refused on …/identities/I/datasets/.., before the handler', async () => {
    seen.length = 0;
    reply = async () => ({ statusCode: 200, headers: {}, body: '{}' });
    // The signature is good for the path it was made for.
    expect((await sendSignedFor(identityPath, identityPath)).status).toBe(200);
    seen.length = 0;
    for (const sent of [
      `${identityPath}/datasets/..`,
      `${identityPath}/datasets/x/..`,
      `${identityPath}/./`,
      `${identityPath.replace('/identities', '//identities')}`,
    ]) {
      const res = await sendSignedFor(identityPath, sent);
      expectRestJsonError(
        res,
        404,
        'UnknownOperationException',
        `No operation matches GET ${sent}: a path with an empty, '.' or '..' segment names no resource (signers would normalize it away)`,
      );
    }
    expect(seen).toHaveLength(0);
  });

  it('is refused before the signature is checked (a bad signature is not what the client hears about)', async () => {
    const res = await send({ path: `${identityPath}/datasets/%2E%2E`, unsigned: true, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x' } });
    expectRestJsonError(res, 404, 'UnknownOperationException');
  });
});

describe('X-Amz-Target', () => {
  it('routes to Cognito Identity only on POST /: anywhere else the request goes to Cognito Sync', async () => {
    const target = { 'x-amz-target': 'AWSCognitoIdentityService.GetId' };
    seen.length = 0;
    reply = async () => ({ statusCode: 200, headers: {}, body: '{}' });
    // Signed, so that the Cognito Sync side lets it through to the (captured) router.
    expect((await send({ method: 'POST', path: datasetPath, headers: target, body: '{}' })).status).toBe(200);
    expect((await send({ method: 'GET', path: '/', headers: target })).status).toBe(200);
    expect(seen.map((e) => `${e.requestContext.http.method} ${e.rawPath}`)).toEqual([`POST ${datasetPath}`, 'GET /']);
    // Unsigned, Cognito Sync answers what it answers any unsigned request, in rest-json.
    const unsigned = await send({ method: 'DELETE', path: '/', headers: target, unsigned: true });
    expectRestJsonError(unsigned, 403, 'MissingAuthenticationTokenException');
    // POST / is still Cognito Identity (JSON 1.1).
    const identity = await send({
      method: 'POST',
      path: '/',
      headers: { ...target, 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
      unsigned: true,
    });
    expect(identity.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(identity.body).__type).toBe('InvalidParameterException');
  });

  it('refuses a Cognito Identity body that is not UTF-8 with SerializationException', async () => {
    const res = await new Promise<Sent>((resolve, reject) => {
      const url = new URL(server.url);
      const body = Buffer.concat([Buffer.from('{"IdentityPoolId":"us-east-1:'), Buffer.from([0xff]), Buffer.from('"}')]);
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/',
          headers: { 'x-amz-target': 'AWSCognitoIdentityService.GetId', 'content-type': 'application/x-amz-json-1.1' },
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ __type: 'SerializationException', message: 'The request body is not valid UTF-8.' });
  });
});

describe('CORS origins', () => {
  const preflight = (origin: string, target: LocalServer = server) =>
    sendTo(target, {
      method: 'OPTIONS',
      path: datasetPath,
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });

  /** Unsigned: these tests are about the CORS headers, which every answer carries. */
  function sendTo(target: LocalServer, options: { method: string; path: string; headers: Record<string, string> }): Promise<Sent> {
    const url = new URL(target.url);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, method: options.method, path: options.path, headers: options.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('allows loopback origins of any port by default, echoed with Vary: Origin', async () => {
    for (const origin of [
      'http://localhost',
      'http://localhost:3000',
      'https://localhost:8443',
      'http://127.0.0.1:5173',
      'https://127.0.0.1',
      'http://[::1]:8080',
    ]) {
      const res = await preflight(origin);
      expect(res.status, origin).toBe(204);
      expect(res.headers['access-control-allow-origin'], origin).toBe(origin);
      expect(res.headers.vary, origin).toBe('Origin');
      const ordinary = await sendTo(server, { method: 'GET', path: datasetPath, headers: { origin } });
      expect(ordinary.headers['access-control-allow-origin'], origin).toBe(origin);
      expect(ordinary.headers['access-control-expose-headers'], origin).toContain('x-amzn-ErrorType');
      expect(ordinary.headers.vary, origin).toBe('Origin');
    }
  });

  it('refuses other origins: a rest-json 403 to their preflight, no access-control-allow-origin on anything', async () => {
    for (const origin of [
      'https://evil.example',
      'http://localhost.evil.example',
      'http://127.0.0.1.evil.example:80',
      'null',
      'http://192.168.1.2:3000',
      'file://',
    ]) {
      const res = await preflight(origin);
      expectRestJsonError(res, 403, 'AccessDeniedException', /may not call this endpoint.*--allow-origin/);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(res.headers.vary, origin).toBe('Origin');
      const ordinary = await sendTo(server, { method: 'GET', path: datasetPath, headers: { origin } });
      expect(ordinary.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });

  it('allows the origins of the allowedOrigins option, and every origin for *', async () => {
    const options = { port: 0, region: REGION, tableName: table.tableName, dynamoEndpoint: table.endpoint, serverKey, developer, dispatch: reply };
    const named = await startLocalServer({ ...options, allowedOrigins: ['https://App.Example.test/'] });
    try {
      expect((await preflight('https://app.example.test', named)).headers['access-control-allow-origin']).toBe('https://app.example.test');
      expect((await preflight('http://localhost:3000', named)).status).toBe(204);
      expect((await preflight('https://other.example.test', named)).status).toBe(403);
    } finally {
      await named.close();
    }
    const any = await startLocalServer({ ...options, allowedOrigins: ['*'] });
    try {
      const res = await preflight('https://other.example.test', any);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://other.example.test');
    } finally {
      await any.close();
    }
  });
});
