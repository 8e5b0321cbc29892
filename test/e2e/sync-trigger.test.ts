/**
 * The sync trigger end to end: real function modules (test/fixtures/sync-triggers) registered with
 * the local function runner, a pool's SyncTrigger set with the v3 client, and identities syncing
 * through the local endpoint with the v3 client, which the trigger rewrites or refuses; the errors
 * reach the client with the model's names. The trigger is invoked by the deployed Lambda adapter
 * over the edge port's `lambda` route, as it is invoked on AWS.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CognitoSyncClient,
  GetCognitoEventsCommand,
  ListRecordsCommand,
  SetCognitoEventsCommand,
  UpdateRecordsCommand,
  type RecordPatch,
} from '@aws-sdk/client-cognito-sync';
import { InvokeCommand, LambdaClient, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type AwsCredentials, type Endpoint, type TestIdentity } from '../helpers/local-endpoint';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'sync-triggers');
const FUNCTIONS = [
  { name: 'cap-score', file: path.join(FIXTURES, 'cap-score.ts') },
  { name: 'add-record', file: path.join(FIXTURES, 'add-record.mjs') },
  { name: 'remove-record', file: path.join(FIXTURES, 'remove-record.mjs'), exportName: 'removing' },
  { name: 'throws', file: path.join(FIXTURES, 'throws.js') },
  { name: 'sleeps', file: path.join(FIXTURES, 'sleeps.mjs') },
  { name: 'changes-identity', file: path.join(FIXTURES, 'changes-identity.mjs') },
  { name: 'garbage', file: path.join(FIXTURES, 'garbage.mjs') },
  { name: 'echo-event', file: path.join(FIXTURES, 'echo-event.mjs') },
  { name: 'throttled', file: path.join(FIXTURES, 'echo-event.mjs') },
  { name: 'keeps-nothing', file: path.join(FIXTURES, 'keeps-nothing.mjs') },
];

let endpoint: Endpoint;
let developer: CognitoSyncClient;
let eventDir: string;
const clients: { destroy(): void }[] = [];

const syncClient = (credentials: AwsCredentials): CognitoSyncClient => {
  const c = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};
const functionArn = (name: string) => `arn:aws:lambda:${endpoint.region}:${endpoint.accountId}:function:${name}`;

/** A new pool whose sync trigger is `name`, and an identity of it. */
async function identityWithTrigger(name: string): Promise<TestIdentity> {
  const pool = await endpoint.createIdentityPool(`trigger ${name.replace(/-/g, '_')}`);
  await developer.send(new SetCognitoEventsCommand({ IdentityPoolId: pool, Events: { SyncTrigger: functionArn(name) } }));
  return endpoint.newIdentity(pool);
}

const replace = (Key: string, Value: string, SyncCount = 0): RecordPatch => ({ Op: 'replace', Key, Value, SyncCount });

/** ListRecords then UpdateRecords, as a device syncs, with the given credentials. */
async function sync(who: AwsCredentials, identity: TestIdentity, RecordPatches: RecordPatch[], DatasetName = 'game') {
  const client = syncClient(who);
  const ref = { IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName };
  const { SyncSessionToken } = await client.send(new ListRecordsCommand(ref));
  return client.send(new UpdateRecordsCommand({ ...ref, SyncSessionToken, RecordPatches }));
}

/** What the dataset holds now: key -> [value, sync count]. */
async function stored(identity: TestIdentity, DatasetName = 'game') {
  const out = await developer.send(new ListRecordsCommand({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName }));
  return { count: out.DatasetSyncCount, records: Object.fromEntries((out.Records ?? []).map((r) => [r.Key, [r.Value, r.SyncCount]])) };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => ({
      name: e.name,
      message: e.message,
      status: e.$metadata?.httpStatusCode,
    }),
  );

/** A handler file the tests edit while the endpoint runs. */
const editedFile = () => path.join(eventDir, 'edited.mjs');
const writeEdited = (answer: string) => writeFileSync(editedFile(), `export const handler = async () => (${JSON.stringify(answer)});\n`);

beforeAll(async () => {
  eventDir = mkdtempSync(path.join(os.tmpdir(), 'sync-trigger-'));
  process.env.SYNC_TRIGGER_EVENT_FILE = path.join(eventDir, 'event.json');
  writeEdited('first');
  endpoint = await startEndpoint({ functions: [...FUNCTIONS, { name: 'edited', file: editedFile() }] });
  developer = syncClient(endpoint.developerCredentials);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await endpoint?.close();
  rmSync(eventDir, { recursive: true, force: true });
  delete process.env.SYNC_TRIGGER_EVENT_FILE;
});

describe('GetCognitoEvents and SetCognitoEvents', () => {
  it('set the SyncTrigger, answer it, and remove it with an empty value', async () => {
    const pool = await endpoint.createIdentityPool();
    expect((await developer.send(new GetCognitoEventsCommand({ IdentityPoolId: pool }))).Events).toEqual({});
    await developer.send(new SetCognitoEventsCommand({ IdentityPoolId: pool, Events: { SyncTrigger: functionArn('cap-score') } }));
    expect((await developer.send(new GetCognitoEventsCommand({ IdentityPoolId: pool }))).Events).toEqual({ SyncTrigger: functionArn('cap-score') });
    await developer.send(new SetCognitoEventsCommand({ IdentityPoolId: pool, Events: {} }));
    expect((await developer.send(new GetCognitoEventsCommand({ IdentityPoolId: pool }))).Events, 'keys not given stay').toEqual({
      SyncTrigger: functionArn('cap-score'),
    });
    await developer.send(new SetCognitoEventsCommand({ IdentityPoolId: pool, Events: { SyncTrigger: '' } }));
    expect((await developer.send(new GetCognitoEventsCommand({ IdentityPoolId: pool }))).Events).toEqual({});
  });

  it('refuse two entries, another event type, a value that is not a function ARN, an unknown pool and identities', async () => {
    const pool = await endpoint.createIdentityPool();
    const set = (Events: Record<string, string>, IdentityPoolId = pool, client = developer) =>
      failure(client.send(new SetCognitoEventsCommand({ IdentityPoolId, Events })));
    expect(await set({ SyncTrigger: functionArn('a'), Other: functionArn('b') })).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect(await set({ PreSync: functionArn('a') })).toMatchObject({ name: 'InvalidParameterException' });
    expect(await set({ SyncTrigger: 'my-function' })).toMatchObject({ name: 'InvalidParameterException' });
    expect(await set({ SyncTrigger: functionArn('a') }, 'us-east-1:00000000-0000-0000-0000-000000000000')).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
    });
    const identity = await endpoint.newIdentity(pool);
    expect(await set({ SyncTrigger: functionArn('a') }, pool, syncClient(identity.credentials))).toMatchObject({ name: 'NotAuthorizedException' });
    expect(await failure(syncClient(identity.credentials).send(new GetCognitoEventsCommand({ IdentityPoolId: pool })))).toMatchObject({
      name: 'NotAuthorizedException',
    });
    expect((await developer.send(new GetCognitoEventsCommand({ IdentityPoolId: pool }))).Events).toEqual({});
  });
});

describe('the sync trigger in UpdateRecords', () => {
  it('is given the version-2 event: every live record, the patches with old and new values, new keys with oldValue null', async () => {
    const identity = await identityWithTrigger('echo-event');
    await sync(identity.credentials, identity, [replace('kept', 'k'), replace('changed', 'old'), replace('gone', 'g')]);
    await sync(identity.credentials, identity, [replace('changed', 'new', 1), { Op: 'remove', Key: 'gone', SyncCount: 1 }, replace('fresh', 'f')]);
    const seen = JSON.parse(readFileSync(process.env.SYNC_TRIGGER_EVENT_FILE as string, 'utf8'));
    expect(seen.functionName).toBe('echo-event');
    expect(seen.arn).toBe(functionArn('echo-event'));
    expect(seen.event).toEqual({
      version: 2,
      eventType: 'SyncTrigger',
      region: endpoint.region,
      identityPoolId: identity.identityPoolId,
      identityId: identity.identityId,
      datasetName: 'game',
      datasetRecords: {
        kept: { oldValue: 'k', newValue: 'k', op: 'replace' },
        changed: { oldValue: 'old', newValue: 'new', op: 'replace' },
        gone: { oldValue: 'g', newValue: null, op: 'remove' },
        fresh: { oldValue: null, newValue: 'f', op: 'replace' },
      },
    });
  });

  it('caps a score: the capped value is stored and returned', async () => {
    const identity = await identityWithTrigger('cap-score');
    const out = await sync(identity.credentials, identity, [replace('score', '250'), replace('name', 'ada')]);
    expect(out.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([
      ['score', '100', 1],
      ['name', 'ada', 1],
    ]);
    expect(await stored(identity)).toEqual({ count: 1, records: { score: ['100', 1], name: ['ada', 1] } });
  });

  it('refuses a value: the record the function removes is stored as removed and returned without a value', async () => {
    const identity = await identityWithTrigger('remove-record');
    const out = await sync(identity.credentials, identity, [replace('cheat', 'infinite lives'), replace('level', '3')]);
    expect(out.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([
      ['cheat', undefined, 1],
      ['level', '3', 1],
    ]);
    expect(await stored(identity)).toEqual({ count: 1, records: { cheat: [undefined, 1], level: ['3', 1] } });
  });

  it('adds a server record, written at the same new sync count and returned', async () => {
    const identity = await identityWithTrigger('add-record');
    await sync(identity.credentials, identity, [replace('a', '1')]);
    const out = await sync(identity.credentials, identity, [replace('b', '2')]);
    // `recordCount` was written by the first sync too: the function changes a record the request did not carry.
    expect(out.Records?.map((r) => [r.Key, r.Value, r.SyncCount]).sort()).toEqual([
      ['b', '2', 2],
      ['recordCount', '3', 2],
    ]);
    expect(await stored(identity)).toEqual({ count: 2, records: { a: ['1', 1], b: ['2', 2], recordCount: ['3', 2] } });
  });

  it('a failing function: InvalidLambdaFunctionOutputException, nothing written', async () => {
    const identity = await identityWithTrigger('throws');
    const error = await failure(sync(identity.credentials, identity, [replace('a', '1')]));
    expect(error).toMatchObject({ name: 'InvalidLambdaFunctionOutputException', status: 400 });
    expect(error.message).toContain('refusing the sync of game');
    expect(await stored(identity)).toEqual({ count: 0, records: {} });
  });

  it('a function that changes a read-only field, or answers garbage: InvalidLambdaFunctionOutputException, nothing written', async () => {
    for (const name of ['changes-identity', 'garbage']) {
      const identity = await identityWithTrigger(name);
      expect(await failure(sync(identity.credentials, identity, [replace('a', '1')])), name).toMatchObject({
        name: 'InvalidLambdaFunctionOutputException',
        status: 400,
      });
      expect(await stored(identity)).toEqual({ count: 0, records: {} });
    }
  });

  it('a function that takes over 5 s: LambdaSocketTimeoutException, nothing written', async () => {
    const identity = await identityWithTrigger('sleeps');
    expect(await failure(sync(identity.credentials, identity, [replace('a', '1')]))).toMatchObject({ name: 'LambdaSocketTimeoutException' });
    expect(await stored(identity)).toEqual({ count: 0, records: {} });
  }, 20_000);

  it('a throttled function: LambdaThrottledException (429), nothing written', async () => {
    const lambda = new LambdaClient({ region: endpoint.region, endpoint: endpoint.url, credentials: endpoint.developerCredentials, maxAttempts: 1 });
    clients.push(lambda);
    // Reserved concurrency 0: Lambda throttles every invocation.
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'throttled', ReservedConcurrentExecutions: 0 }));
    const identity = await identityWithTrigger('throttled');
    expect(await failure(sync(identity.credentials, identity, [replace('a', '1')]))).toMatchObject({ name: 'LambdaThrottledException', status: 429 });
    expect(await stored(identity)).toEqual({ count: 0, records: {} });
  });

  it('a function that returns no records: nothing is written, nothing returned', async () => {
    const identity = await identityWithTrigger('keeps-nothing');
    const out = await sync(identity.credentials, identity, [replace('a', '1')]);
    expect(out.Records).toEqual([]);
    expect(await stored(identity)).toEqual({ count: 0, records: {} });
  });

  it('is not invoked for developer credentials', async () => {
    const identity = await identityWithTrigger('throws');
    const out = await sync(endpoint.developerCredentials, identity, [replace('a', '1')]);
    expect(out.Records?.map((r) => [r.Key, r.Value])).toEqual([['a', '1']]);
  });

  it('is no longer invoked once removed, at once on the same endpoint', async () => {
    const identity = await identityWithTrigger('throws');
    // Invoked once, so that the endpoint knows (and caches) the pool's trigger before it is removed.
    expect(await failure(sync(identity.credentials, identity, [replace('a', '1')]))).toMatchObject({ name: 'InvalidLambdaFunctionOutputException' });
    await developer.send(new SetCognitoEventsCommand({ IdentityPoolId: identity.identityPoolId, Events: { SyncTrigger: '' } }));
    const out = await sync(identity.credentials, identity, [replace('a', '1')]);
    expect(out.Records?.map((r) => [r.Key, r.Value])).toEqual([['a', '1']]);
  });
});

describe('the local function runner (the Lambda API on the edge port)', () => {
  const lambda = () => {
    const c = new LambdaClient({ region: endpoint.region, endpoint: endpoint.url, credentials: endpoint.developerCredentials, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  const invoke = async (FunctionName: string) => {
    const out = await lambda().send(new InvokeCommand({ FunctionName, Payload: Buffer.from('{}') }));
    return { error: out.FunctionError, payload: JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8')) };
  };

  it('runs a function by name or ARN, and answers its failure as Lambda does', async () => {
    expect(await invoke('edited')).toEqual({ error: undefined, payload: 'first' });
    expect(await invoke(functionArn('edited'))).toEqual({ error: undefined, payload: 'first' });
    const failed = await invoke('throws');
    expect(failed.error).toBe('Unhandled');
    expect(failed.payload).toMatchObject({ errorType: 'Error', errorMessage: 'refusing the sync of undefined' });
  });

  it('uses an edited file from the next invocation on, without a restart', async () => {
    writeEdited('second');
    expect(await invoke('edited')).toEqual({ error: undefined, payload: 'second' });
  });

  it('answers an unknown function ResourceNotFoundException (404)', async () => {
    expect(await failure(invoke('nowhere'))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });
});
