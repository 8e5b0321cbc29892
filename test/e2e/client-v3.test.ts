/**
 * End to end with `@aws-sdk/client-cognito-sync` (v3), unmodified but for the endpoint, against the
 * local endpoint over HTTP: two devices of one identity keeping their own state, conflicts,
 * deletion and re-creation (docs/behaviour.md#deleted-datasets), and the shape of every answer of
 * the six operations.
 */
import {
  CognitoSyncClient,
  DeleteDatasetCommand,
  DescribeDatasetCommand,
  DescribeIdentityUsageCommand,
  ListDatasetsCommand,
  ListRecordsCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateRecordsCommand,
  type CognitoSyncClientConfig,
  type ListRecordsCommandOutput,
  type _Record as SdkRecord,
  type RecordPatch,
  type UpdateRecordsCommandOutput,
} from '@aws-sdk/client-cognito-sync';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint, type TestIdentity } from '../helpers/local-endpoint';

/** What `credentials` of a client may be: a key pair, or a provider such as fromCognitoIdentityPool. */
type Credentials = NonNullable<CognitoSyncClientConfig['credentials']>;

let endpoint: Endpoint;
const clients: CognitoSyncClient[] = [];

beforeAll(async () => {
  endpoint = await startEndpoint();
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await endpoint?.close();
});

/** A client as an app makes one; `maxAttempts: 1` so that a 5xx is never hidden by a retry. */
function syncClient(credentials: Credentials): CognitoSyncClient {
  const client = new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}

/** The rejection of a call, which must fail. */
async function rejection(promise: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number }; $fault?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { $metadata: { httpStatusCode?: number }; $fault?: string };
  }
  throw new Error('expected the call to fail');
}

interface LocalRecord {
  value: string;
  syncCount: number;
}

/**
 * A device as the client libraries model one (docs/behaviour.md#what-clients-rely-on): its own copy
 * of the dataset, its last sync count, and the session token of its last ListRecords. Pull and push
 * are separate so that tests can interleave two devices exactly.
 */
class Device {
  readonly client: CognitoSyncClient;
  lastSyncCount = 0;
  readonly records = new Map<string, LocalRecord>();
  private syncSessionToken: string | undefined;

  constructor(
    readonly identity: { identityPoolId: string; identityId: string },
    credentials: Credentials,
    readonly datasetName: string,
  ) {
    this.client = syncClient(credentials);
  }

  get dataset() {
    return { IdentityPoolId: this.identity.identityPoolId, IdentityId: this.identity.identityId, DatasetName: this.datasetName };
  }

  /** ListRecords from the last sync count, every page, applied locally. Returns the last page and all records. */
  async pull(maxResults?: number): Promise<{ last: ListRecordsCommandOutput; records: SdkRecord[]; pages: number }> {
    const records: SdkRecord[] = [];
    let nextToken: string | undefined;
    let last: ListRecordsCommandOutput;
    let pages = 0;
    do {
      last = await this.client.send(
        new ListRecordsCommand({ ...this.dataset, LastSyncCount: this.lastSyncCount, MaxResults: maxResults, NextToken: nextToken }),
      );
      pages++;
      records.push(...(last.Records ?? []));
      nextToken = last.NextToken;
    } while (nextToken);
    this.syncSessionToken = last.SyncSessionToken;
    if (last.DatasetExists) {
      for (const r of records) this.apply(r);
      this.lastSyncCount = last.DatasetSyncCount as number;
    }
    return { last, records, pages };
  }

  /** UpdateRecords with the local sync count of each key (0 when the device never saw it); `null` removes. */
  async push(changes: Record<string, string | null>, deviceLastModifiedDate?: Date): Promise<UpdateRecordsCommandOutput> {
    const patches: RecordPatch[] = Object.entries(changes).map(([Key, value]) => ({
      Op: value === null ? 'remove' : 'replace',
      Key,
      ...(value === null ? {} : { Value: value }),
      SyncCount: this.records.get(Key)?.syncCount ?? this.tombstones.get(Key) ?? 0,
      ...(deviceLastModifiedDate ? { DeviceLastModifiedDate: deviceLastModifiedDate } : {}),
    }));
    const out = await this.client.send(
      new UpdateRecordsCommand({ ...this.dataset, SyncSessionToken: this.syncSessionToken, RecordPatches: patches, DeviceId: `device-${this.datasetName}` }),
    );
    const counts = (out.Records ?? []).map((r) => r.SyncCount as number);
    for (const r of out.Records ?? []) this.apply(r);
    // As Android and iOS do: fast-forward only when the server moved by exactly one (our own write).
    if (counts.length > 0 && Math.max(...counts) === this.lastSyncCount + 1) this.lastSyncCount += 1;
    return out;
  }

  /** What the device believes the dataset holds. */
  values(): Record<string, string> {
    return Object.fromEntries([...this.records].map(([k, r]) => [k, r.value]));
  }

  /** Forgets everything, as a client does after a remote deletion. */
  purge(): void {
    this.records.clear();
    this.tombstones.clear();
    this.lastSyncCount = 0;
  }

  /** Keys removed remotely, with the count of the removal (a re-add must name it). */
  private readonly tombstones = new Map<string, number>();

  private apply(r: SdkRecord): void {
    const key = r.Key as string;
    if (r.Value === undefined) {
      this.records.delete(key);
      this.tombstones.set(key, r.SyncCount as number);
    } else {
      this.records.set(key, { value: r.Value, syncCount: r.SyncCount as number });
      this.tombstones.delete(key);
    }
  }
}

/** Two devices of one fresh identity, each with its own client instance and state. */
async function twoDevices(datasetName: string): Promise<{ identity: TestIdentity; a: Device; b: Device }> {
  const identity = await endpoint.newIdentity();
  return { identity, a: new Device(identity, identity.credentials, datasetName), b: new Device(identity, identity.credentials, datasetName) };
}

const near = (date: Date | undefined, from: number) => {
  expect(date).toBeInstanceOf(Date);
  expect((date as Date).getTime()).toBeGreaterThanOrEqual(from - 1000);
  expect((date as Date).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
};

describe('two devices of one identity', () => {
  it('synchronize: each sees the other’s changes, removals included, from its own last sync count', async () => {
    const { identity, a, b } = await twoDevices('settings');

    // First sync of A: the dataset does not exist yet.
    const first = await a.pull();
    expect(first.last).toMatchObject({ DatasetExists: false, DatasetSyncCount: 0, DatasetDeletedAfterRequestedSyncCount: false, Count: 0, Records: [] });
    const pushed = await a.push({ colour: 'blue', size: 'L' });
    expect(pushed.Records?.map((r) => [r.Key, r.Value, r.SyncCount, r.LastModifiedBy])).toEqual([
      ['colour', 'blue', 1, identity.identityId],
      ['size', 'L', 1, identity.identityId],
    ]);
    expect(a.lastSyncCount).toBe(1);

    // B, never synced, gets everything.
    const seen = await b.pull();
    expect(seen.last).toMatchObject({
      DatasetExists: true,
      DatasetSyncCount: 1,
      DatasetDeletedAfterRequestedSyncCount: false,
      LastModifiedBy: identity.identityId,
    });
    expect(b.values()).toEqual({ colour: 'blue', size: 'L' });

    // A changes one key; B asks only for what changed after its count 1.
    await a.push({ colour: 'red' });
    const delta = await b.pull();
    expect(delta.records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['colour', 'red', 2]]);
    expect(delta.last.DatasetSyncCount).toBe(2);
    expect(b.lastSyncCount).toBe(2);

    // B removes a key; A's pull carries the removal as a tombstone (no Value).
    const removed = await b.push({ size: null });
    expect(removed.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['size', undefined, 3]]);
    const fromA = await a.pull();
    expect(fromA.records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['size', undefined, 3]]);
    expect(a.values()).toEqual({ colour: 'red' });
    expect(b.values()).toEqual({ colour: 'red' });
    expect([a.lastSyncCount, b.lastSyncCount]).toEqual([3, 3]);

    // Nothing new: an empty delta at the current count.
    expect((await b.pull()).last).toMatchObject({ Records: [], Count: 0, DatasetSyncCount: 3, DatasetExists: true });
  });

  it('conflict: the second writer from the same count gets ResourceConflictException (409) and nothing of its update lands', async () => {
    const { identity, a, b } = await twoDevices('conflicts');
    await a.pull();
    await a.push({ colour: 'blue' });
    await b.pull();
    expect(a.records.get('colour')?.syncCount).toBe(1);
    expect(b.records.get('colour')?.syncCount).toBe(1);

    // Both change `colour` from count 1. A is first.
    await a.pull();
    await a.push({ colour: 'green' });
    const err = await rejection(b.push({ colour: 'yellow', other: 'would be new' }));
    expect(err).toBeInstanceOf(ResourceConflictException);
    expect(err.name).toBe('ResourceConflictException');
    expect(err.$metadata.httpStatusCode).toBe(409);
    expect(err.$fault).toBe('client');
    expect(err.message).toBe('Current SyncCount for: colour is: 2 not: 1');

    // All or nothing: B's other key was not written either (a third, fresh reader sees the whole dataset).
    const fresh = new Device(identity, identity.credentials, 'conflicts');
    await fresh.pull();
    expect(fresh.values()).toEqual({ colour: 'green' });
    expect(fresh.lastSyncCount).toBe(2);

    // B recovers as a client does: pull (sees A's value and count), then push again.
    const pulled = await b.pull();
    expect(pulled.records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['colour', 'green', 2]]);
    const retried = await b.push({ colour: 'yellow', other: 'now new' });
    expect(retried.Records?.map((r) => [r.Key, r.SyncCount])).toEqual([
      ['colour', 3],
      ['other', 3],
    ]);
    await a.pull();
    expect(a.values()).toEqual(b.values());
    expect(a.values()).toEqual({ colour: 'yellow', other: 'now new' });

    // A stale count for a key that does not exist is a conflict too ("is: 0").
    b.records.set('ghost', { value: 'x', syncCount: 5 });
    const ghost = await rejection(b.push({ ghost: 'y' }));
    expect(ghost).toBeInstanceOf(ResourceConflictException);
    expect(ghost.message).toBe('Current SyncCount for: ghost is: 0 not: 5');
  });

  it('remote deletion: the other device sees DatasetExists false; re-creation continues the counts and flags stale clients', async () => {
    const { identity, a, b } = await twoDevices('deleted');
    await a.pull();
    await a.push({ k1: 'v1' });
    await a.pull();
    await a.push({ k2: 'v2' });
    await b.pull();
    expect(b.lastSyncCount).toBe(2);

    // A deletes the dataset remotely (what a client does after a local delete) and forgets it.
    const deleted = await a.client.send(new DeleteDatasetCommand(a.dataset));
    expect(deleted.Dataset).toMatchObject({ IdentityId: identity.identityId, DatasetName: 'deleted', NumRecords: 2, DataStorage: 8 });
    a.purge();

    // B, still at count 2, learns that the dataset is gone.
    const gone = await b.client.send(new ListRecordsCommand({ ...b.dataset, LastSyncCount: b.lastSyncCount }));
    expect(gone.DatasetExists).toBe(false);
    expect(gone.Records).toEqual([]);
    expect(gone.Count).toBe(0);
    // Deleted after B's count 2: amazon-cognito-js looks at this flag only.
    expect(gone.DatasetDeletedAfterRequestedSyncCount).toBe(true);
    expect(gone.DatasetSyncCount).toBe(2);
    expect(gone.SyncSessionToken).toBeTruthy();
    // A client that never synced (count 0) just sees no dataset: its first sync will create it.
    const firstSync = await b.client.send(new ListRecordsCommand({ ...b.dataset, LastSyncCount: 0 }));
    expect(firstSync).toMatchObject({ DatasetExists: false, DatasetDeletedAfterRequestedSyncCount: false, Records: [] });
    const notFound = await rejection(b.client.send(new DescribeDatasetCommand(b.dataset)));
    expect(notFound).toBeInstanceOf(ResourceNotFoundException);
    expect(notFound.$metadata.httpStatusCode).toBe(404);
    expect(await rejection(b.client.send(new DeleteDatasetCommand(b.dataset)))).toBeInstanceOf(ResourceNotFoundException);
    expect((await a.client.send(new ListDatasetsCommand({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId }))).Datasets).toEqual([]);

    // A re-creates it from scratch: old keys have count 0 again, and the dataset count continues (3).
    await a.pull();
    expect(a.lastSyncCount).toBe(0);
    const recreated = await a.push({ k1: 'fresh' });
    expect(recreated.Records?.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['k1', 'fresh', 3]]);

    // B is stale (count 2, from before the deletion): told to drop its copy, and given the new data.
    const stale = await b.pull();
    expect(stale.last).toMatchObject({ DatasetExists: true, DatasetDeletedAfterRequestedSyncCount: true, DatasetSyncCount: 3 });
    expect(stale.records.map((r) => [r.Key, r.Value, r.SyncCount])).toEqual([['k1', 'fresh', 3]]);
    // A did not fast-forward (the count jumped from 0 to 3), so it pulls its own write once; then it is
    // current, and not flagged.
    const caughtUp = await a.pull();
    expect(caughtUp.last.DatasetDeletedAfterRequestedSyncCount).toBe(false);
    expect(a.lastSyncCount).toBe(3);
    const current = await a.client.send(new ListRecordsCommand({ ...a.dataset, LastSyncCount: a.lastSyncCount }));
    expect(current).toMatchObject({ DatasetExists: true, DatasetDeletedAfterRequestedSyncCount: false, DatasetSyncCount: 3, Records: [] });

    // B cannot resurrect its old copy of k2 with the old count.
    const resurrect = await rejection(
      b.client.send(
        new UpdateRecordsCommand({
          ...b.dataset,
          SyncSessionToken: stale.last.SyncSessionToken,
          RecordPatches: [{ Op: 'replace', Key: 'k2', Value: 'old', SyncCount: 2 }],
        }),
      ),
    );
    expect(resurrect).toBeInstanceOf(ResourceConflictException);
    expect(resurrect.message).toBe('Current SyncCount for: k2 is: 0 not: 2');
  });

  it('works with fromCognitoIdentityPool credentials (the provider calls GetId and GetCredentialsForIdentity itself)', async () => {
    const poolId = await endpoint.identityPoolId();
    const provider = fromCognitoIdentityPool({ identityPoolId: poolId, clientConfig: { region: endpoint.region, endpoint: endpoint.url, maxAttempts: 1 } });
    const { identityId } = await provider();
    expect(identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    const a = new Device({ identityPoolId: poolId, identityId }, provider, 'provider');
    const b = new Device({ identityPoolId: poolId, identityId }, provider, 'provider');
    await a.pull();
    const out = await a.push({ hello: 'world' });
    expect(out.Records?.[0]).toMatchObject({ Key: 'hello', Value: 'world', SyncCount: 1, LastModifiedBy: identityId });
    await b.pull();
    expect(b.values()).toEqual({ hello: 'world' });
  });
});

describe('the six operations answer the model’s shapes', () => {
  it('ListRecords, UpdateRecords, DescribeDataset, ListDatasets, DescribeIdentityUsage, DeleteDataset', async () => {
    const identity = await endpoint.newIdentity();
    const client = syncClient(identity.credentials);
    const ids = { IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId };
    const ds = { ...ids, DatasetName: 'shapes' };
    const started = Date.now();

    // ListRecords on nothing: every always-present member is there, with its type
    // (docs/behaviour.md#what-clients-rely-on).
    const empty = await client.send(new ListRecordsCommand(ds));
    expect(empty.Records).toEqual([]);
    expect(empty.Count).toBe(0);
    expect(empty.DatasetSyncCount).toBe(0);
    expect(empty.DatasetExists).toBe(false);
    expect(empty.DatasetDeletedAfterRequestedSyncCount).toBe(false);
    expect(typeof empty.SyncSessionToken).toBe('string');
    expect(empty.NextToken).toBeUndefined();
    expect(empty.$metadata.httpStatusCode).toBe(200);
    expect(empty.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);

    // UpdateRecords with no patches: Records is an empty array (amazon-cognito-js reads its length), nothing written.
    const none = await client.send(new UpdateRecordsCommand({ ...ds, SyncSessionToken: empty.SyncSessionToken, RecordPatches: [] }));
    expect(none.Records).toEqual([]);
    const omitted = await client.send(new UpdateRecordsCommand({ ...ds, SyncSessionToken: empty.SyncSessionToken }));
    expect(omitted.Records).toEqual([]);
    expect((await client.send(new ListRecordsCommand(ds))).DatasetExists).toBe(false);

    // A real update: the returned records carry Dates and the device's own date, to the millisecond.
    const deviceDate = new Date(Date.UTC(2014, 4, 13, 16, 53, 20, 123));
    const updated = await client.send(
      new UpdateRecordsCommand({
        ...ds,
        SyncSessionToken: empty.SyncSessionToken,
        DeviceId: 'phone',
        RecordPatches: [
          { Op: 'replace', Key: 'a', Value: 'é', SyncCount: 0, DeviceLastModifiedDate: deviceDate },
          { Op: 'replace', Key: 'b', Value: '', SyncCount: 0 },
        ],
      }),
    );
    expect(updated.Records).toHaveLength(2);
    const [a, b] = updated.Records as SdkRecord[];
    expect(a).toMatchObject({ Key: 'a', Value: 'é', SyncCount: 1, LastModifiedBy: identity.identityId });
    near(a.LastModifiedDate, started);
    expect(a.DeviceLastModifiedDate).toEqual(deviceDate);
    expect(b).toMatchObject({ Key: 'b', Value: '', SyncCount: 1 });
    expect(b.DeviceLastModifiedDate).toBeUndefined();

    const listed = await client.send(new ListRecordsCommand({ ...ds, LastSyncCount: 0 }));
    expect(listed).toMatchObject({
      Count: 2,
      DatasetSyncCount: 1,
      DatasetExists: true,
      DatasetDeletedAfterRequestedSyncCount: false,
      LastModifiedBy: identity.identityId,
    });
    expect(listed.Records?.find((r) => r.Key === 'a')?.DeviceLastModifiedDate).toEqual(deviceDate);
    for (const r of listed.Records ?? []) near(r.LastModifiedDate, started);

    // DescribeDataset: sizes are UTF-8 bytes of key + value ('a' + 'é' = 3, 'b' + '' = 1).
    const described = await client.send(new DescribeDatasetCommand(ds));
    expect(described.Dataset).toMatchObject({
      IdentityId: identity.identityId,
      DatasetName: 'shapes',
      LastModifiedBy: identity.identityId,
      DataStorage: 4,
      NumRecords: 2,
    });
    near(described.Dataset?.CreationDate, started);
    near(described.Dataset?.LastModifiedDate, started);

    // DescribeIdentityUsage
    const usage = await client.send(new DescribeIdentityUsageCommand(ids));
    expect(usage.IdentityUsage).toMatchObject({ IdentityId: identity.identityId, IdentityPoolId: identity.identityPoolId, DatasetCount: 1, DataStorage: 4 });
    near(usage.IdentityUsage?.LastModifiedDate, started);

    // ListDatasets
    const datasets = await client.send(new ListDatasetsCommand(ids));
    expect(datasets.Count).toBe(1);
    expect(datasets.NextToken).toBeUndefined();
    expect(datasets.Datasets).toEqual([described.Dataset]);

    // DeleteDataset answers the metadata of what it deleted.
    const deleted = await client.send(new DeleteDatasetCommand(ds));
    expect(deleted.Dataset).toEqual(described.Dataset);
    const after = await client.send(new DescribeIdentityUsageCommand(ids));
    expect(after.IdentityUsage).toMatchObject({ DatasetCount: 0, DataStorage: 0 });
  });

  it('DescribeIdentityUsage of an identity without data is zeros, not an error', async () => {
    const identity = await endpoint.newIdentity();
    const usage = await syncClient(identity.credentials).send(
      new DescribeIdentityUsageCommand({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId }),
    );
    expect(usage.IdentityUsage).toEqual({ IdentityId: identity.identityId, IdentityPoolId: identity.identityPoolId, DatasetCount: 0, DataStorage: 0 });
  });

  it('pages ListRecords with maxResults and nextToken, each page complete, all records collected', async () => {
    const identity = await endpoint.newIdentity();
    const device = new Device(identity, identity.credentials, 'paged');
    await device.pull();
    const values = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`key${i}`, `value${i}`]));
    await device.push(values);
    await device.pull();
    await device.push({ key0: 'changed', key8: 'added' });

    const reader = new Device(identity, identity.credentials, 'paged');
    const pages: ListRecordsCommandOutput[] = [];
    let nextToken: string | undefined;
    do {
      const page = await reader.client.send(new ListRecordsCommand({ ...reader.dataset, LastSyncCount: 0, MaxResults: 3, NextToken: nextToken }));
      pages.push(page);
      nextToken = page.NextToken;
    } while (nextToken);
    expect(pages.map((p) => p.Records?.length)).toEqual([3, 3, 2]);
    for (const page of pages) {
      expect(page.Records?.length).toBeLessThanOrEqual(3);
      expect(page.Count).toBe(page.Records?.length);
      // Every page carries what Android unboxes into primitives.
      expect(page).toMatchObject({ DatasetSyncCount: 2, DatasetExists: true, DatasetDeletedAfterRequestedSyncCount: false });
      expect(typeof page.SyncSessionToken).toBe('string');
    }
    const all = pages.flatMap((p) => p.Records ?? []);
    expect(all).toHaveLength(8);
    expect(new Set(all.map((r) => r.Key)).size).toBe(8);
    expect(Object.fromEntries(all.map((r) => [r.Key, r.Value]))).toEqual({ ...values, key0: 'changed', key8: 'added' });

    // One record a page: the last full page carries no NextToken (no empty page after it).
    const single = await new Device(identity, identity.credentials, 'paged').pull(1);
    expect(single.records.map((r) => r.Key).sort()).toEqual(['key0', 'key1', 'key2', 'key3', 'key4', 'key5', 'key6', 'key8']);
    expect(single.pages).toBe(8);
    // A delta pages too, from the lastSyncCount the listing started at (the NextToken keeps it).
    const deltaReader = new Device(identity, identity.credentials, 'paged');
    deltaReader.lastSyncCount = 1;
    const onlyNew = await deltaReader.pull(1);
    expect(onlyNew.records.map((r) => [r.Key, r.SyncCount]).sort()).toEqual([
      ['key0', 2],
      ['key8', 2],
    ]);
    expect(onlyNew.pages).toBe(2);
    expect(deltaReader.lastSyncCount).toBe(2);
  });

  it('pages ListDatasets with MaxResults and NextToken', async () => {
    const identity = await endpoint.newIdentity();
    const names = ['d1', 'd2', 'd3', 'd4', 'd5'];
    for (const name of names) {
      const d = new Device(identity, identity.credentials, name);
      await d.pull();
      await d.push({ k: name });
    }
    const client = syncClient(identity.credentials);
    const ids = { IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId };
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListDatasetsCommand({ ...ids, MaxResults: 2, NextToken: nextToken }));
      pages++;
      expect(page.Datasets?.length).toBeLessThanOrEqual(2);
      expect(page.Count).toBe(page.Datasets?.length);
      for (const d of page.Datasets ?? []) {
        expect(d.CreationDate).toBeInstanceOf(Date);
        expect(d.LastModifiedDate).toBeInstanceOf(Date);
        expect(d).toMatchObject({ IdentityId: identity.identityId, NumRecords: 1, DataStorage: 3, LastModifiedBy: identity.identityId });
        seen.push(d.DatasetName as string);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(names);
    // Without MaxResults, all in one page.
    const all = await client.send(new ListDatasetsCommand(ids));
    expect(all.Count).toBe(5);
    expect(all.NextToken).toBeUndefined();
  });
});

describe('developer credentials', () => {
  it('call all six operations for any identity; LastModifiedBy is the account id for developers, the identity id for identities', async () => {
    const developer = syncClient(endpoint.developerCredentials);
    const identity = await endpoint.newIdentity();
    // An identity that only the developer knows about (never went through GetId) is still data to it.
    const madeUp = { IdentityPoolId: identity.identityPoolId, IdentityId: 'us-east-1:00000000-0000-4000-8000-00000000d0d0' };

    for (const ids of [{ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId }, madeUp]) {
      const ds = { ...ids, DatasetName: 'by-developer' };
      const listed = await developer.send(new ListRecordsCommand(ds));
      const written = await developer.send(
        new UpdateRecordsCommand({
          ...ds,
          SyncSessionToken: listed.SyncSessionToken,
          RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'dev', SyncCount: 0 }],
        }),
      );
      expect(written.Records?.[0]).toMatchObject({ Key: 'k', Value: 'dev', SyncCount: 1, LastModifiedBy: endpoint.accountId });
      const records = await developer.send(new ListRecordsCommand(ds));
      expect(records).toMatchObject({ DatasetSyncCount: 1, LastModifiedBy: endpoint.accountId });
      expect((await developer.send(new DescribeDatasetCommand(ds))).Dataset).toMatchObject({ LastModifiedBy: endpoint.accountId, NumRecords: 1 });
      expect((await developer.send(new ListDatasetsCommand(ids))).Datasets?.map((d) => d.DatasetName)).toEqual(['by-developer']);
      expect((await developer.send(new DescribeIdentityUsageCommand(ids))).IdentityUsage).toMatchObject({ DatasetCount: 1, DataStorage: 4 });
    }

    // The identity writes over the developer's record: attribution follows the caller.
    const own = new Device(identity, identity.credentials, 'by-developer');
    await own.pull();
    expect(own.values()).toEqual({ k: 'dev' });
    const mine = await own.push({ k: 'mine' });
    expect(mine.Records?.[0]).toMatchObject({ SyncCount: 2, LastModifiedBy: identity.identityId });
    const ds = { IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName: 'by-developer' };
    expect(await developer.send(new ListRecordsCommand(ds))).toMatchObject({ LastModifiedBy: identity.identityId, DatasetSyncCount: 2 });
    expect((await developer.send(new DescribeDatasetCommand(ds))).Dataset?.LastModifiedBy).toBe(identity.identityId);

    // And the developer deletes both.
    expect((await developer.send(new DeleteDatasetCommand(ds))).Dataset).toMatchObject({ DatasetName: 'by-developer', NumRecords: 1 });
    expect((await developer.send(new DeleteDatasetCommand({ ...madeUp, DatasetName: 'by-developer' }))).Dataset).toMatchObject({ NumRecords: 1 });
    expect((await developer.send(new ListDatasetsCommand(madeUp))).Datasets).toEqual([]);
  });
});
