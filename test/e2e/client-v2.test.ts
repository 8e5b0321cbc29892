/**
 * End to end with `aws-sdk` v2 `AWS.CognitoSync` (what amazon-cognito-js and many apps in the field
 * run on), unmodified but for the endpoint: two devices, a conflict, a deletion.
 */
import AWS from 'aws-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEndpoint, type AwsCredentials, type Endpoint, type TestIdentity } from '../helpers/local-endpoint';

let endpoint: Endpoint;

beforeAll(async () => {
  endpoint = await startEndpoint();
});

afterAll(async () => {
  await endpoint?.close();
});

/** A client as an app makes one; `maxRetries: 0` so that a 5xx is never hidden by a retry. */
const v2Client = (c: AwsCredentials): AWS.CognitoSync =>
  new AWS.CognitoSync({
    region: endpoint.region,
    endpoint: endpoint.url,
    credentials: new AWS.Credentials(c.accessKeyId, c.secretAccessKey, c.sessionToken),
    maxRetries: 0,
  });

/** The AWS.AWSError of a call that must fail. */
async function failure(request: AWS.Request<unknown, AWS.AWSError>): Promise<AWS.AWSError> {
  try {
    await request.promise();
  } catch (e) {
    return e as AWS.AWSError;
  }
  throw new Error('expected the call to fail');
}

/** One device: its client, its last sync count, its copy of the records and their counts. */
class V2Device {
  readonly client: AWS.CognitoSync;
  lastSyncCount = 0;
  readonly records = new Map<string, { value: string; syncCount: number }>();
  token: string | undefined;

  constructor(
    readonly identity: TestIdentity,
    readonly datasetName: string,
  ) {
    this.client = v2Client(identity.credentials);
  }

  get dataset() {
    return { IdentityPoolId: this.identity.identityPoolId, IdentityId: this.identity.identityId, DatasetName: this.datasetName };
  }

  async pull(): Promise<AWS.CognitoSync.ListRecordsResponse> {
    const out = await this.client.listRecords({ ...this.dataset, LastSyncCount: this.lastSyncCount, MaxResults: 1024 }).promise();
    expect(out.NextToken).toBeUndefined();
    this.token = out.SyncSessionToken;
    if (out.DatasetExists) {
      for (const r of out.Records ?? []) {
        if (r.Value === undefined) this.records.delete(r.Key as string);
        else this.records.set(r.Key as string, { value: r.Value, syncCount: r.SyncCount as number });
      }
      this.lastSyncCount = out.DatasetSyncCount as number;
    }
    return out;
  }

  async push(changes: Record<string, string | null>): Promise<AWS.CognitoSync.UpdateRecordsResponse> {
    const out = await this.client
      .updateRecords({
        ...this.dataset,
        SyncSessionToken: this.token as string,
        RecordPatches: Object.entries(changes).map(([Key, v]) => ({
          Op: v === null ? 'remove' : 'replace',
          Key,
          ...(v === null ? {} : { Value: v }),
          SyncCount: this.records.get(Key)?.syncCount ?? 0,
          DeviceLastModifiedDate: new Date(),
        })),
      })
      .promise();
    for (const r of out.Records ?? []) {
      if (r.Value === undefined) this.records.delete(r.Key as string);
      else this.records.set(r.Key as string, { value: r.Value, syncCount: r.SyncCount as number });
    }
    const newest = Math.max(...(out.Records ?? []).map((r) => r.SyncCount as number));
    if (newest === this.lastSyncCount + 1) this.lastSyncCount = newest;
    return out;
  }

  values(): Record<string, string> {
    return Object.fromEntries([...this.records].map(([k, r]) => [k, r.value]));
  }
}

describe('aws-sdk v2 AWS.CognitoSync', () => {
  it('two devices synchronize through the endpoint', async () => {
    const identity = await endpoint.newIdentity();
    const a = new V2Device(identity, 'v2-settings');
    const b = new V2Device(identity, 'v2-settings');
    const started = Date.now();

    const first = await a.pull();
    expect(first).toMatchObject({ Records: [], Count: 0, DatasetSyncCount: 0, DatasetExists: false, DatasetDeletedAfterRequestedSyncCount: false });
    const written = await a.push({ theme: 'dark', lang: 'fr' });
    expect(written.Records?.map((r) => [r.Key, r.Value, r.SyncCount, r.LastModifiedBy])).toEqual([
      ['theme', 'dark', 1, identity.identityId],
      ['lang', 'fr', 1, identity.identityId],
    ]);
    // v2 parses the epoch-seconds timestamps into Dates.
    const lastModified = written.Records?.[0].LastModifiedDate as Date;
    expect(lastModified).toBeInstanceOf(Date);
    expect(lastModified.getTime()).toBeGreaterThanOrEqual(started - 1000);
    expect(written.Records?.[0].DeviceLastModifiedDate).toBeInstanceOf(Date);

    const seen = await b.pull();
    expect(seen).toMatchObject({ DatasetExists: true, DatasetSyncCount: 1, Count: 2, LastModifiedBy: identity.identityId });
    expect(b.values()).toEqual({ theme: 'dark', lang: 'fr' });

    await b.pull();
    await b.push({ lang: null, theme: 'light' });
    const delta = await a.pull();
    expect(delta.Records?.map((r) => [r.Key, r.Value, r.SyncCount]).sort()).toEqual([
      ['lang', undefined, 2],
      ['theme', 'light', 2],
    ]);
    expect(a.values()).toEqual({ theme: 'light' });
    expect(a.values()).toEqual(b.values());
    expect([a.lastSyncCount, b.lastSyncCount]).toEqual([2, 2]);
  });

  it('a conflict is err.code ResourceConflictException with statusCode 409', async () => {
    const identity = await endpoint.newIdentity();
    const a = new V2Device(identity, 'v2-conflict');
    const b = new V2Device(identity, 'v2-conflict');
    await a.pull();
    await a.push({ score: '10' });
    await b.pull();

    // Both edit `score` from count 1; A syncs first. B pushes with the token of its earlier pull.
    await a.pull();
    await a.push({ score: '20' });
    const err = await failure(
      b.client.updateRecords({
        ...b.dataset,
        SyncSessionToken: b.token as string,
        RecordPatches: [{ Op: 'replace', Key: 'score', Value: '15', SyncCount: b.records.get('score')?.syncCount as number }],
      }),
    );
    expect(err.code).toBe('ResourceConflictException');
    expect(err.statusCode).toBe(409);
    expect(err.message).toBe('Current SyncCount for: score is: 2 not: 1');
    expect(err.retryable).toBe(false);
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);

    // B takes the server's value (its pull), and may then write on top of it.
    await b.pull();
    expect(b.values()).toEqual({ score: '20' });
    await b.push({ score: '25' });
    await a.pull();
    expect(a.values()).toEqual({ score: '25' });
  });

  it('a deletion by one device is seen by the other', async () => {
    const identity = await endpoint.newIdentity();
    const a = new V2Device(identity, 'v2-deleted');
    const b = new V2Device(identity, 'v2-deleted');
    await a.pull();
    await a.push({ k: 'v' });
    await b.pull();
    expect(b.lastSyncCount).toBe(1);

    const deleted = await a.client.deleteDataset(a.dataset).promise();
    expect(deleted.Dataset).toMatchObject({ DatasetName: 'v2-deleted', IdentityId: identity.identityId, NumRecords: 1, DataStorage: 2 });
    expect(deleted.Dataset?.CreationDate).toBeInstanceOf(Date);

    const gone = await b.client.listRecords({ ...b.dataset, LastSyncCount: b.lastSyncCount }).promise();
    expect(gone.DatasetExists).toBe(false);
    expect(gone.Records).toEqual([]);
    const missing = await failure(b.client.describeDataset(b.dataset));
    expect(missing.code).toBe('ResourceNotFoundException');
    expect(missing.statusCode).toBe(404);
    expect((await b.client.listDatasets({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId }).promise()).Datasets).toEqual([]);
  });

  it('developer credentials work with the v2 signer, attributed to the account', async () => {
    const identity = await endpoint.newIdentity();
    const developer = v2Client(endpoint.developerCredentials);
    const ds = { IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName: 'v2-dev' };
    const listed = await developer.listRecords(ds).promise();
    const out = await developer
      .updateRecords({ ...ds, SyncSessionToken: listed.SyncSessionToken as string, RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 }] })
      .promise();
    expect(out.Records?.[0]).toMatchObject({ SyncCount: 1, LastModifiedBy: endpoint.accountId });
    const usage = await developer.describeIdentityUsage({ IdentityPoolId: ds.IdentityPoolId, IdentityId: ds.IdentityId }).promise();
    expect(usage.IdentityUsage).toMatchObject({ DatasetCount: 1, DataStorage: 2 });
    expect(usage.IdentityUsage?.LastModifiedDate).toBeInstanceOf(Date);
  });
});
