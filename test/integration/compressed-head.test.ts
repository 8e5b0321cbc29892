/**
 * Heads written before compression (records as JSON in `r`) stay readable and writable: tables on
 * disk and deployed tables hold them. A commit to one rewrites it deflated (`rz`) and drops `r`.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordKey, recordValue } from '../../bench/dataset-values';
import { inflateRecords } from '../../lambdas/src/adapters/dynamodb/compressed-records';
import { identityPartition, sortKey } from '../../lambdas/src/adapters/dynamodb/keys';
import { datasetOf, identityPrincipal, replace, syncFixture } from '../helpers/sync-fixture';

type Fixture = Awaited<ReturnType<typeof syncFixture>>;
let f: Fixture;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  // The single-item layout whatever the project's threshold: this is about its head's attribute.
  f = await syncFixture({ singleItemMaxBytes: 16 * 1024 });
  doc = DynamoDBDocumentClient.from(f.client);
});

describe('a head holding its records as plain JSON (r), as before compression', () => {
  it('lists as before, and an update rewrites it deflated (rz) without losing a record', async () => {
    const identityId = `us-east-1:${randomUUID()}`;
    const dataset = datasetOf(identityId);
    const principal = identityPrincipal(identityId);
    const keys = Array.from({ length: 20 }, (_, i) => recordKey(i));
    const values = keys.map((key, i) => recordValue('app-state', i, 0, 100 - key.length));
    const { SyncSessionToken } = await f.service.listRecords(principal, dataset);
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken, RecordPatches: keys.map((key, i) => replace(key, values[i], 0)) });

    // Turn the head into what an earlier version wrote: the same records, as JSON in r.
    const Key = { PK: identityPartition(dataset), SK: sortKey.head(dataset.DatasetName) };
    const read = async () => (await doc.send(new GetCommand({ TableName: f.tableName, Key, ConsistentRead: true }))).Item ?? {};
    const json = inflateRecords((await read()).rz);
    await doc.send(new UpdateCommand({ TableName: f.tableName, Key, UpdateExpression: 'SET r = :r REMOVE rz', ExpressionAttributeValues: { ':r': json } }));
    expect(typeof (await read()).r).toBe('string');

    const listed = await f.service.listRecords(principal, dataset);
    expect(new Map(listed.Records.map((r) => [r.Key, r.Value]))).toEqual(new Map(keys.map((key, i) => [key, values[i]])));

    const changed = recordValue('app-state', 0, 1, 100 - keys[0].length);
    await f.service.updateRecords(principal, { ...dataset, SyncSessionToken: listed.SyncSessionToken, RecordPatches: [replace(keys[0], changed, 1)] });
    const after = await read();
    expect(after.r).toBeUndefined();
    expect(after.rz).toBeInstanceOf(Uint8Array);
    const relisted = await f.service.listRecords(principal, dataset);
    expect(new Map(relisted.Records.map((r) => [r.Key, r.Value]))).toEqual(new Map(keys.map((key, i) => [key, i === 0 ? changed : values[i]])));
  });
});
