/**
 * Deployed, API Gateway's IAM authorizer verifies SigV4 for the signing name `execute-api`, not the
 * `cognito-sync` the clients sign for by default. The client code of README.md ("Deploy to AWS"), exercised
 * against the local endpoint (which accepts both names, and only those): each JavaScript client
 * signs for `execute-api` once configured as the doc shows, and the request succeeds; a client that
 * signs for another name is refused with 403. With `deployedRules`, the endpoint accepts `execute-api`
 * only, as API Gateway does, so a client never switched is refused locally too.
 *
 * What the server saw is read from the request itself: the credential scope of the Authorization
 * header (`Credential=<key>/<date>/<region>/<service>/aws4_request`), captured where the client
 * hands the signed request to its transport.
 */
import AWS from 'aws-sdk';
import 'amazon-cognito-js';
import { CognitoSyncClient, ListDatasetsCommand, ListRecordsCommand, UpdateRecordsCommand, type CognitoSyncClientConfig } from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer } from '../../lambdas/local/http/server';
import { dynamoEndpoint } from '../helpers/dynamodb-local';
import { startEndpoint, type AwsCredentials, type Endpoint, type TestIdentity } from '../helpers/local-endpoint';

let endpoint: Endpoint;
let identity: TestIdentity;

beforeAll(async () => {
  endpoint = await startEndpoint();
  identity = await endpoint.newIdentity();
});

afterAll(async () => {
  await endpoint?.close();
});

const scopeService = (authorization: string | undefined): string | undefined =>
  /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '')?.[1];

// ---- @aws-sdk/client-cognito-sync (v3) ----

/**
 * README.md ("Deploy to AWS"), v3: the endpoint and `signingName`, nothing else. The client honours
 * `signingName` (resolveAwsSdkSigV4Config) but 3.1124's config type does not declare it: hence the
 * type, which plain JavaScript does without.
 */
function executeApiClientV3(url: string, region: string, credentials: AwsCredentials, extra: Partial<CognitoSyncClientConfig> = {}) {
  const config: CognitoSyncClientConfig & { signingName: string } = {
    region,
    endpoint: url,
    credentials,
    signingName: 'execute-api',
    ...extra,
  };
  return new CognitoSyncClient(config);
}

/** Records the Authorization header of every request the client sends. */
function recordSignatures(client: CognitoSyncClient): string[] {
  const seen: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      seen.push(headers.authorization ?? headers.Authorization ?? '');
      return next(args);
    },
    // The last step before the transport: the request is signed by then.
    { step: 'deserialize', name: 'recordSignature', priority: 'low' },
  );
  return seen;
}

describe('@aws-sdk/client-cognito-sync (v3)', () => {
  it('signs for execute-api with `signingName`, and syncs', async () => {
    const client = executeApiClientV3(endpoint.url, endpoint.region, identity.credentials, { maxAttempts: 1 });
    const seen = recordSignatures(client);
    const dataset = { IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName: 'prefs' };
    const listed = await client.send(new ListRecordsCommand(dataset));
    const updated = await client.send(
      new UpdateRecordsCommand({
        ...dataset,
        SyncSessionToken: listed.SyncSessionToken,
        RecordPatches: [{ Op: 'replace', Key: 'theme', Value: 'dark', SyncCount: 0 }],
      }),
    );
    expect(updated.Records?.[0]).toMatchObject({ Key: 'theme', Value: 'dark', SyncCount: 1 });
    expect(seen.map(scopeService)).toEqual(['execute-api', 'execute-api']);
    client.destroy();
  });

  it('signs for execute-api with an httpAuthSchemeProvider too', async () => {
    const client = new CognitoSyncClient({
      region: endpoint.region,
      endpoint: endpoint.url,
      credentials: identity.credentials,
      maxAttempts: 1,
      httpAuthSchemeProvider: (params) => [
        {
          schemeId: 'aws.auth#sigv4',
          signingProperties: { signingName: 'execute-api', region: params.region },
          propertiesExtractor: (config, context) => ({ signingProperties: { config, context } }),
        },
      ],
    });
    const seen = recordSignatures(client);
    const out = await client.send(new ListDatasetsCommand({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId }));
    expect(out.Datasets).toBeDefined();
    expect(seen.map(scopeService)).toEqual(['execute-api']);
    client.destroy();
  });

  it('is refused (403) when it signs for another name', async () => {
    const config: CognitoSyncClientConfig & { signingName: string } = {
      region: endpoint.region,
      endpoint: endpoint.url,
      credentials: identity.credentials,
      signingName: 'foo',
      maxAttempts: 1,
    };
    const client = new CognitoSyncClient(config);
    const seen = recordSignatures(client);
    const error = await client.send(new ListDatasetsCommand({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId })).then(
      () => undefined,
      (e: unknown) => e as { name: string; $metadata: { httpStatusCode?: number } },
    );
    expect(seen.map(scopeService)).toEqual(['foo']);
    expect(error?.$metadata.httpStatusCode).toBe(403);
    expect(error?.name).toBe('InvalidSignatureException');
    client.destroy();
  });
});

// ---- aws-sdk v2 and amazon-cognito-js ----

/** README.md ("Deploy to AWS"), v2, one client: its signing name. */
function executeApiClientV2(url: string, region: string, c: AwsCredentials): AWS.CognitoSync {
  const client = new AWS.CognitoSync({
    region,
    endpoint: url,
    credentials: new AWS.Credentials(c.accessKeyId, c.secretAccessKey, c.sessionToken),
    maxRetries: 0,
  });
  (client as unknown as { getSigningName: () => string }).getSigningName = () => 'execute-api';
  return client;
}

/** The signing scope of a v2 request, read once it is signed. */
function sendRecording<T>(request: AWS.Request<T, AWS.AWSError>): Promise<{ out: T; service: string | undefined }> {
  let service: string | undefined;
  request.on('send', () => {
    service = scopeService(request.httpRequest.headers.Authorization);
  });
  return request.promise().then((out) => ({ out: out as T, service }));
}

describe('aws-sdk v2', () => {
  it('signs for execute-api with getSigningName overridden, and syncs', async () => {
    const client = executeApiClientV2(endpoint.url, endpoint.region, identity.credentials);
    const dataset = { IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName: 'v2prefs' };
    const listed = await sendRecording(client.listRecords(dataset));
    expect(listed.service).toBe('execute-api');
    const updated = await sendRecording(
      client.updateRecords({
        ...dataset,
        SyncSessionToken: listed.out.SyncSessionToken as string,
        RecordPatches: [{ Op: 'replace', Key: 'lang', Value: 'fr', SyncCount: 0 }],
      }),
    );
    expect(updated.service).toBe('execute-api');
    expect(updated.out.Records?.[0]).toMatchObject({ Key: 'lang', Value: 'fr', SyncCount: 1 });
  });

  it('without the override it signs for cognito-sync, which API Gateway would refuse', async () => {
    const client = new AWS.CognitoSync({
      region: endpoint.region,
      endpoint: endpoint.url,
      credentials: new AWS.Credentials(identity.credentials.accessKeyId, identity.credentials.secretAccessKey, identity.credentials.sessionToken),
      maxRetries: 0,
    });
    const { service } = await sendRecording(client.listDatasets({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId }));
    expect(service).toBe('cognito-sync');
  });
});

// The parts of amazon-cognito-js used here (the package ships no types).
type Callback<T> = (err: Error | null | undefined, value: T) => void;
interface SyncDataset {
  put(key: string, value: string, callback: Callback<unknown>): void;
  synchronize(callbacks: { onSuccess(): void; onFailure(err: Error): void; onConflict?(...args: unknown[]): void }): void;
}
interface SyncManagerConstructor {
  new (options?: { DataStore?: unknown }): { openOrCreateDataset(name: string, callback: Callback<SyncDataset>): void; getIdentityId(): string };
  StoreInMemory: unknown;
}

describe('amazon-cognito-js', () => {
  it('syncs through execute-api with AWS.CognitoSync.prototype.getSigningName overridden', async () => {
    // README.md ("Deploy to AWS"), amazon-cognito-js: every AWS.CognitoSync, including the manager's own.
    const prototype = AWS.CognitoSync.prototype as unknown as { getSigningName: () => string };
    const original = prototype.getSigningName;
    prototype.getSigningName = () => 'execute-api';
    const services: (string | undefined)[] = [];
    // Every request of every v2 client: the manager builds its own.
    type SentRequest = { service: unknown; httpRequest: { headers: Record<string, string> } };
    type Listener = (response: AWS.Response<unknown, AWS.AWSError>) => void;
    const events = (AWS as unknown as { events: { on(e: 'send', l: Listener): void; removeListener(e: 'send', l: Listener): void } }).events;
    const onSend = (response: AWS.Response<unknown, AWS.AWSError>) => {
      const request = (response as unknown as { request: SentRequest }).request;
      if (request.service instanceof AWS.CognitoSync) services.push(scopeService(request.httpRequest.headers.Authorization));
    };
    events.on('send', onSend);
    try {
      AWS.config.update({ region: endpoint.region, maxRetries: 0, cognitoidentity: { endpoint: endpoint.url }, cognitosync: { endpoint: endpoint.url } });
      const credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId });
      await credentials.getPromise();
      AWS.config.credentials = credentials;

      const Manager = (AWS as unknown as { CognitoSyncManager: SyncManagerConstructor }).CognitoSyncManager;
      const manager = new Manager({ DataStore: Manager.StoreInMemory });
      const dataset = await new Promise<SyncDataset>((resolve, reject) => manager.openOrCreateDataset('web', (e, d) => (e ? reject(e) : resolve(d))));
      await new Promise((resolve, reject) => dataset.put('score', '42', (e, v) => (e ? reject(e) : resolve(v))));
      await new Promise<void>((resolve, reject) =>
        dataset.synchronize({ onSuccess: () => resolve(), onFailure: reject, onConflict: () => reject(new Error('unexpected conflict')) }),
      );
    } finally {
      events.removeListener('send', onSend);
      prototype.getSigningName = original;
    }
    expect(services.length).toBeGreaterThanOrEqual(2); // ListRecords, UpdateRecords
    expect(new Set(services)).toEqual(new Set(['execute-api']));

    // And the server has it.
    const check = executeApiClientV3(endpoint.url, endpoint.region, identity.credentials);
    const out = await check.send(new ListRecordsCommand({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName: 'web' }));
    expect(out.Records?.map((r) => [r.Key, r.Value])).toEqual([['score', '42']]);
    check.destroy();
  });
});

// ---- deployedRules: the local endpoint rehearsing API Gateway's signature check ----

describe('the deployedRules option', () => {
  let rehearsal: LocalServer;

  beforeAll(async () => {
    // The same table and key as the default endpoint, so the same identity works on both.
    rehearsal = await startLocalServer({
      port: 0,
      region: endpoint.region,
      accountId: endpoint.accountId,
      tableName: endpoint.tableName,
      dynamoEndpoint: dynamoEndpoint(),
      serverKey: endpoint.serverKey,
      developer: { accessKeyId: endpoint.developerCredentials.accessKeyId, secretAccessKey: endpoint.developerCredentials.secretAccessKey },
      deployedRules: true,
    });
  });

  afterAll(async () => {
    await rehearsal?.close();
  });

  const listDatasets = () => new ListDatasetsCommand({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId });

  it('refuses a client that signs for cognito-sync with the 403 API Gateway gives', async () => {
    const client = new CognitoSyncClient({ region: endpoint.region, endpoint: rehearsal.url, credentials: identity.credentials, maxAttempts: 1 });
    const seen = recordSignatures(client);
    const error = await client.send(listDatasets()).then(
      () => undefined,
      (e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode?: number } },
    );
    expect(seen.map(scopeService)).toEqual(['cognito-sync']);
    expect(error?.$metadata.httpStatusCode).toBe(403);
    expect(error?.name).toBe('InvalidSignatureException');
    expect(error?.message).toMatch(/Credential should be scoped to correct service: 'execute-api'/);
    client.destroy();
  });

  it('serves a client that signs for execute-api', async () => {
    const client = executeApiClientV3(rehearsal.url, endpoint.region, identity.credentials, { maxAttempts: 1 });
    const seen = recordSignatures(client);
    const out = await client.send(listDatasets());
    expect(out.Datasets).toBeDefined();
    expect(seen.map(scopeService)).toEqual(['execute-api']);
    client.destroy();
  });

  it('without it, the endpoint serves both signing names', async () => {
    const cognitoSync = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials: identity.credentials, maxAttempts: 1 });
    const executeApi = executeApiClientV3(endpoint.url, endpoint.region, identity.credentials, { maxAttempts: 1 });
    const seenCognitoSync = recordSignatures(cognitoSync);
    const seenExecuteApi = recordSignatures(executeApi);
    expect((await cognitoSync.send(listDatasets())).Datasets).toBeDefined();
    expect((await executeApi.send(listDatasets())).Datasets).toBeDefined();
    expect(seenCognitoSync.map(scopeService)).toEqual(['cognito-sync']);
    expect(seenExecuteApi.map(scopeService)).toEqual(['execute-api']);
    cognitoSync.destroy();
    executeApi.destroy();
  });
});
