/**
 * The deployed size limits, as the local endpoint applies them (lambdas/local/http/deployed-limits.ts):
 * Lambda counts 6 MiB on the JSON of the event, where the body is escaped once more, and on the JSON
 * of the result. Worst-case characters are the control characters that JSON writes as `\u0001`
 * (6 bytes in the body, 7 in the event, for 1 byte the service counts); `"` takes 2 and 4.
 *
 * Each test prints its figures (event and result sizes), which README.md quotes.
 */
import AWS from 'aws-sdk';
import 'amazon-cognito-js';
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand, type RecordPatch } from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_BYTES } from '../../lambdas/local/http/deployed-limits';
import { MAX_BODY_BYTES } from '../../lambdas/local/http/server';
import { MAX_ANSWER_RECORD_BYTES } from '../../lambdas/src/domain/records/answer-size';
import { rawRequest, startEndpoint, syncPath, type Endpoint, type TestIdentity } from '../helpers/local-endpoint';

let endpoint: Endpoint;

beforeAll(async () => {
  endpoint = await startEndpoint();
});

afterAll(async () => {
  await endpoint?.close();
});

/** The control character JSON escapes as `\u0001`: the worst case for size. */
const CONTROL = '\u0001';
/** The worst printable character: `\"` in the body, `\\\"` in the event. */
const QUOTE = '"';

/** Bytes of the body and of the body as a string inside the event, for a body text. */
const sizes = (body: string) => ({
  body: Buffer.byteLength(body),
  inEvent: Buffer.byteLength(JSON.stringify(body)),
});

function v3Client(identity: TestIdentity): CognitoSyncClient {
  return new CognitoSyncClient({ region: endpoint.region, endpoint: endpoint.url, credentials: identity.credentials, maxAttempts: 1 });
}

async function sessionToken(client: CognitoSyncClient, identity: TestIdentity, dataset: string): Promise<string> {
  const out = await client.send(new ListRecordsCommand({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName: dataset }));
  return out.SyncSessionToken as string;
}

/** Every record of a dataset, following NextToken as a client must; the page sizes too. */
async function listAll(client: CognitoSyncClient, identity: TestIdentity, dataset: string) {
  const records: { Key?: string; Value?: string }[] = [];
  const pages: number[] = [];
  let NextToken: string | undefined;
  do {
    const out = await client.send(
      new ListRecordsCommand({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName: dataset, NextToken }),
    );
    records.push(...(out.Records ?? []));
    pages.push(out.Records?.length ?? 0);
    NextToken = out.NextToken;
  } while (NextToken);
  return { records, pages };
}

/** `UpdateRecords` sent raw, so that the body is exactly what we measure. */
async function updateRaw(identity: TestIdentity, dataset: string, body: Record<string, unknown>) {
  const text = JSON.stringify(body);
  const res = await rawRequest(endpoint, {
    method: 'POST',
    path: syncPath(identity.identityPoolId, identity.identityId, dataset),
    body: text,
    credentials: identity.credentials,
  });
  return { res, ...sizes(text) };
}

const errorOf = (e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode?: number } };

describe('requests: Lambda measures the event, not the body', () => {
  it('refuses with 413 a body under 6 MiB whose event is over it, and writes nothing', async () => {
    const identity = await endpoint.newIdentity();
    const client = v3Client(identity);
    const token = await sessionToken(client, identity, 'padded');
    // An ignored member carries the size, so that only the event's size can refuse it.
    const { res, body, inEvent } = await updateRaw(identity, 'padded', {
      SyncSessionToken: token,
      RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 }],
      Padding: CONTROL.repeat(900_000),
    });
    console.log(`padded request: body ${body} bytes, body in the event ${inEvent} bytes`);
    expect(body).toBeLessThan(MAX_BODY_BYTES);
    expect(inEvent).toBeGreaterThan(MAX_EVENT_BYTES);
    expect(res.status).toBe(413);
    expect(res.errorType).toBe('RequestEntityTooLargeException');
    expect(res.json).toMatchObject({ __type: 'RequestEntityTooLargeException' });
    expect(String(res.json?.message)).toMatch(/JSON-escaped inside the Lambda event/);
    expect((await listAll(client, identity, 'padded')).records).toEqual([]);
    client.destroy();
  });

  it('the largest valid update of `"` (1,024 patches, 1 MiB of keys and values) passes, and lists back', async () => {
    const identity = await endpoint.newIdentity();
    const client = v3Client(identity);
    const keyLength = 8;
    const valueLength = Math.floor((1024 * 1024) / 1024) - keyLength;
    const patches: RecordPatch[] = Array.from({ length: 1024 }, (_, i) => ({
      Op: 'replace',
      Key: `${String(i).padStart(keyLength - 1, '0')}${QUOTE}`,
      Value: QUOTE.repeat(valueLength),
      SyncCount: 0,
    }));
    const SyncSessionToken = await sessionToken(client, identity, 'quotes');
    const { res, body, inEvent } = await updateRaw(identity, 'quotes', { SyncSessionToken, RecordPatches: patches });
    console.log(`1 MiB of '"' in 1,024 patches: body ${body} bytes, body in the event ${inEvent} bytes`);
    expect(res.status).toBe(200);
    const { records, pages } = await listAll(client, identity, 'quotes');
    console.log(`... listed in pages of ${pages.join(', ')} records`);
    expect(records).toHaveLength(1024);
    expect(records.every((r) => r.Value === QUOTE.repeat(valueLength))).toBe(true);
    client.destroy();
    // About 20 s on a loaded 2-core machine (1 MiB through SigV4 and 1,024 records listed back). A
    // megabyte of one character deflates to a few KB, so this dataset stays one item: the per-record
    // layout and its redo log are the store tests' (values that do not deflate), not this test's.
  }, 120_000);

  it('the largest valid update of control characters does not fit deployed: 413, nothing written', async () => {
    const identity = await endpoint.newIdentity();
    const client = v3Client(identity);
    const patches: RecordPatch[] = Array.from({ length: 1024 }, (_, i) => ({
      Op: 'replace',
      Key: `k${String(i).padStart(4, '0')}`,
      Value: CONTROL.repeat(1024 - 5),
      SyncCount: 0,
    }));
    const SyncSessionToken = await sessionToken(client, identity, 'controls');
    const { res, body, inEvent } = await updateRaw(identity, 'controls', { SyncSessionToken, RecordPatches: patches });
    console.log(`1 MiB of U+0001 in 1,024 patches: body ${body} bytes, body in the event ${inEvent} bytes`);
    expect(res.status).toBe(413);
    expect(res.errorType).toBe('RequestEntityTooLargeException');
    expect((await listAll(client, identity, 'controls')).records).toEqual([]);
    client.destroy();
  });

  it('one value of control characters passes up to the answer limit, and is refused above it', async () => {
    const identity = await endpoint.newIdentity();
    const client = v3Client(identity);
    // 256 bytes of record frame, 1 for the key, 7 a character once escaped twice (records/answer-size.ts).
    const most = Math.floor((MAX_ANSWER_RECORD_BYTES - 256 - 1) / 7);
    const ref = { IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName: 'one' };
    const ok = await client.send(
      new UpdateRecordsCommand({
        ...ref,
        SyncSessionToken: await sessionToken(client, identity, 'one'),
        RecordPatches: [{ Op: 'replace', Key: 'k', Value: CONTROL.repeat(most), SyncCount: 0 }],
      }),
    );
    expect(ok.Records?.[0]?.Value?.length).toBe(most);
    const over = await client
      .send(
        new UpdateRecordsCommand({
          ...ref,
          SyncSessionToken: await sessionToken(client, identity, 'one'),
          RecordPatches: [{ Op: 'replace', Key: 'k', Value: CONTROL.repeat(most + 1), SyncCount: 1 }],
        }),
      )
      .then(() => undefined, errorOf);
    console.log(`one value of U+0001: ${most} characters pass, ${most + 1} are refused`);
    expect(over?.$metadata.httpStatusCode).toBe(413);
    expect(over?.name).toBe('RequestEntityTooLargeException');
    const { records } = await listAll(client, identity, 'one');
    expect(records.map((r) => r.Value?.length)).toEqual([most]);
    client.destroy();
  });
});

describe("answers: nothing the service returns is over Lambda's response limit", () => {
  it('UpdateRecords refuses an update whose event fits but whose echoed records would not, before writing', async () => {
    const identity = await endpoint.newIdentity();
    const client = v3Client(identity);
    // The answer echoes each record with more around it (LastModifiedBy, dates) than the request
    // sends: with 1,024 patches, an event just under the limit makes an answer over it.
    const valueLength = 858;
    const patches: RecordPatch[] = Array.from({ length: 1024 }, (_, i) => ({
      Op: 'replace',
      Key: `k${String(i).padStart(4, '0')}`,
      Value: CONTROL.repeat(valueLength),
      SyncCount: 0,
    }));
    const SyncSessionToken = await sessionToken(client, identity, 'echo');
    const { res, inEvent } = await updateRaw(identity, 'echo', { SyncSessionToken, RecordPatches: patches });
    console.log(`1,024 values of ${valueLength} U+0001: body in the event ${inEvent} bytes`);
    expect(inEvent).toBeLessThan(MAX_EVENT_BYTES - 8 * 1024); // the event, with its headers, fits
    expect(res.status).toBe(413);
    expect(res.errorType).toBe('RequestEntityTooLargeException');
    expect(String(res.json?.message)).toMatch(/would take \d+ bytes in the answer/);
    expect((await listAll(client, identity, 'echo')).records).toEqual([]);
    client.destroy();
  });

  const RECORDS = 3;

  /**
   * A valid dataset (1 MiB less a little) of control characters, in three values each written by an
   * update that fits. Values this large are stored apart from their index entries, so DynamoDB's own
   * 1 MB query page holds all three: only the answer's size can split the listing.
   */
  async function fillWithControls(identity: TestIdentity, client: CognitoSyncClient, dataset: string) {
    const ref = { IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId, DatasetName: dataset };
    const valueLength = 349_000; // 3 x (2-byte key + 349,000) = 1,047,006 bytes
    for (let i = 0; i < RECORDS; i++) {
      await client.send(
        new UpdateRecordsCommand({
          ...ref,
          SyncSessionToken: await sessionToken(client, identity, dataset),
          RecordPatches: [{ Op: 'replace', Key: `k${i}`, Value: CONTROL.repeat(valueLength), SyncCount: 0 }],
        }),
      );
    }
    return valueLength;
  }

  it('ListRecords pages a dataset too large for one answer, and a client reads it all through NextToken', async () => {
    const identity = await endpoint.newIdentity();
    const client = v3Client(identity);
    const valueLength = await fillWithControls(identity, client, 'big');
    const { records, pages } = await listAll(client, identity, 'big');
    console.log(`1 MiB of U+0001 in ${RECORDS} records: ListRecords pages of ${pages.join(', ')} records`);
    expect(pages.length).toBeGreaterThan(1);
    expect(records).toHaveLength(RECORDS);
    expect(new Set(records.map((r) => r.Key)).size).toBe(RECORDS);
    expect(records.every((r) => r.Value === CONTROL.repeat(valueLength))).toBe(true);
    client.destroy();
  });

  it("amazon-cognito-js's CognitoSyncManager reads the whole dataset through the pages", async () => {
    const identity = await endpoint.newIdentity();
    const client = v3Client(identity);
    const valueLength = await fillWithControls(identity, client, 'web');
    client.destroy();

    type Callback<T> = (err: Error | null | undefined, value: T) => void;
    interface Dataset {
      getAll(callback: Callback<Record<string, string>>): void;
      synchronize(callbacks: { onSuccess(): void; onFailure(err: Error): void; onConflict?(...args: unknown[]): void }): void;
    }
    interface Manager {
      openOrCreateDataset(name: string, callback: Callback<Dataset>): void;
    }
    const Manager = (AWS as unknown as { CognitoSyncManager: { new (o: { DataStore: unknown }): Manager; StoreInMemory: unknown } }).CognitoSyncManager;
    AWS.config.update({ region: endpoint.region, maxRetries: 0, cognitoidentity: { endpoint: endpoint.url }, cognitosync: { endpoint: endpoint.url } });
    const credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: identity.identityPoolId, IdentityId: identity.identityId });
    await credentials.getPromise();
    AWS.config.credentials = credentials;
    const manager = new Manager({ DataStore: Manager.StoreInMemory });
    const dataset = await new Promise<Dataset>((resolve, reject) => manager.openOrCreateDataset('web', (e, d) => (e ? reject(e) : resolve(d))));
    await new Promise<void>((resolve, reject) =>
      dataset.synchronize({ onSuccess: () => resolve(), onFailure: reject, onConflict: () => reject(new Error('unexpected conflict')) }),
    );
    const all = await new Promise<Record<string, string>>((resolve, reject) => dataset.getAll((e, v) => (e ? reject(e) : resolve(v))));
    expect(Object.keys(all)).toHaveLength(RECORDS);
    expect(Object.values(all).every((v) => v === CONTROL.repeat(valueLength))).toBe(true);
  });
});
