/**
 * The capacity meter's sizing and billing rules, against the worked examples of AWS's documentation
 * (CapacityUnitCalculations.html, read-write-operations.html, LSI.html), and its middleware on a client
 * whose transport answers locally (no DynamoDB needed).
 */
import { Readable } from 'node:stream';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand as DocQueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { HttpResponse } from '@smithy/protocol-http';
import { describe, expect, it } from 'vitest';
import { CapacityMeter, schemaOf } from '../../lambdas/src/adapters/dynamodb/capacity-meter';
import { itemSize, numberSize, readUnits, valueSize, writeUnits } from '../../lambdas/src/adapters/dynamodb/item-size';
import { tableDefinition } from '../../lambdas/src/adapters/dynamodb/table-schema';

describe('item size (CapacityUnitCalculations.html)', () => {
  it('strings: name bytes + UTF-8 bytes of the value', () => {
    expect(itemSize({ name: { S: 'abc' } })).toBe(4 + 3);
    expect(itemSize({ é: { S: '€' } })).toBe(2 + 3);
  });
  it('numbers: 1 byte per two significant digits + 1; leading and trailing zeros trimmed', () => {
    expect(numberSize('7')).toBe(2);
    expect(numberSize('12')).toBe(2);
    expect(numberSize('123')).toBe(3);
    expect(numberSize('12300')).toBe(3);
    expect(numberSize('0.000123')).toBe(3);
    expect(numberSize('-1234.5')).toBe(4);
    expect(itemSize({ n: { N: '1723456789012' } })).toBe(1 + 8);
    expect(numberSize('1700000000000')).toBe(2);
  });
  it('binary: raw bytes, not base64; null and boolean: 1 byte', () => {
    expect(valueSize({ B: new Uint8Array(10) })).toBe(10);
    expect(itemSize({ ok: { BOOL: true }, none: { NULL: true } })).toBe(2 + 1 + 4 + 1);
  });
  it('lists and maps: 3 bytes + elements + 1 byte per element; empty ones 3 bytes', () => {
    expect(valueSize({ L: [] })).toBe(3);
    expect(valueSize({ M: {} })).toBe(3);
    expect(valueSize({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (2 + 1) + (2 + 1));
    expect(valueSize({ M: { k: { S: 'v' } } })).toBe(3 + 1 + 1 + 1);
  });
});

describe('request units (read-write-operations.html)', () => {
  it('reads: a 3,500-byte item costs as a 4 KB one; 8 KB is 2 strong, 1 eventual, 4 transactional; 10 KB rounds to 12 KB', () => {
    expect(readUnits(3500, 'strong')).toBe(1);
    expect(readUnits(8 * 1024, 'strong')).toBe(2);
    expect(readUnits(8 * 1024, 'eventual')).toBe(1);
    expect(readUnits(8 * 1024, 'transactional')).toBe(4);
    expect(readUnits(10 * 1024, 'strong')).toBe(3);
  });
  it('BatchGetItem rounds each item: 1.5 KB and 6.5 KB read as 12 KB, not 8 KB', () => {
    expect(readUnits(1.5 * 1024, 'strong') + readUnits(6.5 * 1024, 'strong')).toBe(3);
    expect(readUnits(8 * 1024, 'strong')).toBe(2); // what a Query of the same two items costs
  });
  it('writes: 1 KB steps, at least one; transactional twice; a miss still costs one read step', () => {
    expect(writeUnits(500)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(3.5 * 1024, true)).toBe(8);
    expect(readUnits(0, 'strong')).toBe(1);
  });
});

/** A client whose transport answers each call with the next canned JSON body. */
function clientAnswering(bodies: object[]): DynamoDBClient {
  const requestHandler = {
    handle: async () => {
      const body = bodies.shift() ?? {};
      const failure = (body as { __type?: string }).__type;
      return {
        response: new HttpResponse({
          statusCode: failure ? 400 : 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        }),
      };
    },
  };
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
    requestHandler,
  });
}

describe('capacity meter middleware', () => {
  const schema = schemaOf(tableDefinition('t'));
  const record = (count: string, value: string) => ({ PK: { S: 'p' }, SK: { S: 'R#d#k' }, LSK: { S: `d#${count}` }, v: { S: value } });

  it('a put of an indexed item: table write + one index write of the entry (ALL projection); a key change: two index writes', async () => {
    const client = clientAnswering([{}, {}]);
    const meter = new CapacityMeter(schema).install(client);
    const value = 'x'.repeat(1500); // item ~1.5 KB: 2 WRU
    await client.send(new PutItemCommand({ TableName: 't', Item: record('1', value) }));
    expect(meter.log[0]).toMatchObject({ operation: 'PutItemCommand', write: 2 + 2, indexWrite: 2 });
    await client.send(new PutItemCommand({ TableName: 't', Item: record('2', value) }));
    expect(meter.log[1]).toMatchObject({ write: 2 + 4, indexWrite: 4 });
  });

  it('an update is billed on the larger of before and after; one that leaves the index key changes one entry', async () => {
    const client = clientAnswering([{}, {}]);
    const meter = new CapacityMeter(schema).install(client);
    await client.send(new PutItemCommand({ TableName: 't', Item: record('1', 'y'.repeat(3000)) }));
    await client.send(
      new UpdateItemCommand({
        TableName: 't',
        Key: { PK: { S: 'p' }, SK: { S: 'R#d#k' } },
        UpdateExpression: 'SET #v = :v',
        ExpressionAttributeNames: { '#v': 'v' },
        ExpressionAttributeValues: { ':v': { S: 'small' } },
      }),
    );
    expect(meter.log[1]).toMatchObject({ write: 3 + 3, indexWrite: 3 });
    expect(meter.estimates).toBe(0);
  });

  it('a failed conditional write costs the existing item (at least 1 unit) and writes no index', async () => {
    const client = clientAnswering([{ __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'no' }]);
    const meter = new CapacityMeter(schema).install(client);
    await expect(
      client.send(new PutItemCommand({ TableName: 't', Item: record('1', 'z'), ConditionExpression: 'attribute_not_exists(PK)' })),
    ).rejects.toThrow();
    expect(meter.log[0]).toMatchObject({ write: 1, indexWrite: 0 });
  });

  it('reads through a document client are billed on the whole item even when projected; a Query sums then rounds', async () => {
    const full = { PK: 'p', SK: 'R#d#k', v: 'w'.repeat(5000) };
    const client = clientAnswering([
      { Item: { PK: { S: full.PK }, SK: { S: full.SK }, v: { S: full.v } } },
      { Item: { SK: { S: full.SK } } },
      {
        Items: [
          { SK: { S: 'a' }, v: { S: 'q'.repeat(3000) } },
          { SK: { S: 'b' }, v: { S: 'q'.repeat(3000) } },
        ],
      },
    ]);
    const meter = new CapacityMeter(schema).install(client);
    const doc = DynamoDBDocumentClient.from(client);
    await doc.send(new GetCommand({ TableName: 't', Key: { PK: 'p', SK: 'R#d#k' }, ConsistentRead: true }));
    await doc.send(new GetCommand({ TableName: 't', Key: { PK: 'p', SK: 'R#d#k' }, ProjectionExpression: 'SK' }));
    await client.send(
      new QueryCommand({ TableName: 't', KeyConditionExpression: 'PK = :p', ExpressionAttributeValues: { ':p': { S: 'p' } }, ConsistentRead: true }),
    );
    expect(meter.log.map((c) => c.read)).toEqual([2, 1, 2]);
  });

  it('BatchGetItem rounds each item and charges a missing key; TransactGetItems doubles', async () => {
    const small = { PK: { S: 'p' }, SK: { S: 'a' }, v: { S: 'x'.repeat(1500) } };
    const large = { PK: { S: 'p' }, SK: { S: 'b' }, v: { S: 'x'.repeat(6600) } };
    const client = clientAnswering([{ Responses: { t: [small, large] } }, { Responses: [{ Item: small }] }]);
    const meter = new CapacityMeter(schema).install(client);
    const keys = ['a', 'b', 'c'].map((sk) => ({ PK: { S: 'p' }, SK: { S: sk } }));
    await client.send(new BatchGetItemCommand({ RequestItems: { t: { Keys: keys, ConsistentRead: true } } }));
    await client.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 't', Key: keys[0] } }] }));
    expect(meter.log.map((c) => c.read)).toEqual([1 + 2 + 1, 2]);
  });

  it('BatchWriteItem bills each request; DeleteItem the item it removes and its index entry; ADD and REMOVE reshape the shadow', async () => {
    const client = clientAnswering([{}, {}, {}]);
    const meter = new CapacityMeter(schema).install(client);
    const key = { PK: { S: 'p' }, SK: { S: 'R#d#k' } };
    await client.send(new BatchWriteItemCommand({ RequestItems: { t: [{ PutRequest: { Item: record('1', 'x'.repeat(1500)) } }] } }));
    expect(meter.log[0]).toMatchObject({ write: 2 + 2, indexWrite: 2 });
    await client.send(
      new UpdateItemCommand({
        TableName: 't',
        Key: key,
        UpdateExpression: 'ADD n :one REMOVE v SET m = if_not_exists(m, :zero) + :one',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':zero': { N: '0' } },
      }),
    );
    // Before: ~1.5 KB (2 WRU); after: small. The index entry changes (not its key): 1 write of the larger.
    expect(meter.log[1]).toMatchObject({ write: 2 + 2, indexWrite: 2 });
    await client.send(new DeleteItemCommand({ TableName: 't', Key: key }));
    expect(meter.log[2]).toMatchObject({ write: 1 + 1, indexWrite: 1 });
    expect(meter.storedBytes()).toEqual({ table: 0, indexes: 0, items: 0 });
  });

  it('a transaction doubles table and index writes; a cancelled one pays each item at its size, ×2', async () => {
    const client = clientAnswering([{}, { __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException', message: 'no' }]);
    const meter = new CapacityMeter(schema).install(client);
    const items = [{ Put: { TableName: 't', Item: record('1', 'x') } }, { Put: { TableName: 't', Item: { PK: { S: 'p' }, SK: { S: 'D#d' } } } }];
    await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    expect(meter.log[0]).toMatchObject({ write: 2 + 2 + 2, indexWrite: 2 });
    expect(meter.storedBytes('p').items).toBe(2);
    await expect(client.send(new TransactWriteItemsCommand({ TransactItems: items }))).rejects.toThrow();
    expect(meter.log[1]).toMatchObject({ write: 4, indexWrite: 0 });
  });

  it('counts what it cannot know: a write to an item it never saw, an update form it does not model', async () => {
    const client = clientAnswering([{}]);
    const meter = new CapacityMeter(schema).install(client);
    await client.send(
      new UpdateItemCommand({
        TableName: 't',
        Key: { PK: { S: 'p' }, SK: { S: 'x' } },
        UpdateExpression: 'SET l = list_append(l, :l)',
        ExpressionAttributeValues: { ':l': { L: [{ S: 'a' }] } },
      }),
    );
    expect({ misses: meter.shadowMisses, estimates: meter.estimates }).toEqual({ misses: 1, estimates: 1 });
  });

  it('through a document client: batch answers, leftovers, query pages and returned images are sized in wire form', async () => {
    const item = { PK: { S: 'p' }, SK: { S: 'a' }, v: { S: 'x'.repeat(5000) } };
    const client = clientAnswering([
      { Responses: { t: [item] }, UnprocessedKeys: { t: { Keys: [{ PK: { S: 'p' }, SK: { S: 'b' } }] } } },
      {
        UnprocessedItems: { t: [{ PutRequest: { Item: { PK: { S: 'p' }, SK: { S: 'c' } } } }, { DeleteRequest: { Key: { PK: { S: 'p' }, SK: { S: 'z' } } } }] },
      },
      { Items: [item] },
      { Attributes: { ...item, v: { S: 'short' }, tags: { SS: ['a', 'b'] } } },
    ]);
    const meter = new CapacityMeter(schema).install(client);
    const doc = DynamoDBDocumentClient.from(client);
    await doc.send(
      new BatchGetCommand({
        RequestItems: {
          t: {
            Keys: [
              { PK: 'p', SK: 'a' },
              { PK: 'p', SK: 'b' },
            ],
          },
        },
      }),
    );
    await doc.send(
      new BatchWriteCommand({
        RequestItems: {
          t: [{ PutRequest: { Item: { PK: 'p', SK: 'c' } } }, { DeleteRequest: { Key: { PK: 'p', SK: 'z' } } }, { PutRequest: { Item: { PK: 'p', SK: 'd' } } }],
        },
      }),
    );
    await doc.send(
      new DocQueryCommand({ TableName: 't', KeyConditionExpression: 'PK = :p', ExpressionAttributeValues: { ':p': 'p' }, ProjectionExpression: 'SK' }),
    );
    await doc.send(
      new UpdateCommand({
        TableName: 't',
        Key: { PK: 'p', SK: 'a' },
        UpdateExpression: 'SET v = :v ADD tags :t',
        ExpressionAttributeValues: { ':v': 'short', ':t': new Set(['a', 'b']) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    // BatchGet: one 5 KB item, eventually consistent (1), the unprocessed key not billed; BatchWrite: only the
    // processed put; Query: the whole item though projected (1 eventually consistent read of 5 KB rounds to 8 KB);
    // the update: the larger of before (5 KB) and after.
    expect(meter.log.map((c) => [c.read, c.write])).toEqual([
      [1, 0],
      [0, 1],
      [1, 0],
      [0, 5],
    ]);
  });

  it('sets: ADD and DELETE change members; a ConditionCheck is a transactional read; INCLUDE and KEYS_ONLY indexes project their attributes', async () => {
    const include = schemaOf({
      ...tableDefinition('t'),
      LocalSecondaryIndexes: [
        {
          IndexName: 'i',
          KeySchema: [
            { AttributeName: 'PK', KeyType: 'HASH' },
            { AttributeName: 'LSK', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['k'] },
        },
        {
          IndexName: 'j',
          KeySchema: [
            { AttributeName: 'PK', KeyType: 'HASH' },
            { AttributeName: 'LSK', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
    expect(include.localIndexes.map((i) => i.projection)).toEqual([['k'], 'KEYS_ONLY']);
    const client = clientAnswering([{}, {}, {}]);
    const meter = new CapacityMeter(include).install(client);
    const key = { PK: { S: 'p' }, SK: { S: 's' } };
    await client.send(
      new PutItemCommand({ TableName: 't', Item: { ...key, LSK: { S: 'l' }, k: { S: 'key' }, v: { S: 'x'.repeat(2000) }, ns: { NS: ['1', '2'] } } }),
    );
    // The table write is 2 KB (2 WRU); each index entry is keys (+ k): under 1 KB, 1 WRU each.
    expect(meter.log[0]).toMatchObject({ write: 2 + 1 + 1, indexWrite: 2 });
    await client.send(
      new UpdateItemCommand({
        TableName: 't',
        Key: key,
        UpdateExpression: 'DELETE ns :two ADD ss :s',
        ExpressionAttributeValues: { ':two': { NS: ['1', '2'] }, ':s': { SS: ['a'] } },
      }),
    );
    // v is not projected: the entries do not change.
    expect(meter.log[1]).toMatchObject({ write: 2, indexWrite: 0 });
    await client.send(
      new TransactWriteItemsCommand({ TransactItems: [{ ConditionCheck: { TableName: 't', Key: key, ConditionExpression: 'attribute_exists(PK)' } }] }),
    );
    expect(meter.log[2]).toMatchObject({ read: 2, write: 0 });
    expect(meter.storedBytes().indexes).toBeGreaterThan(0);
  });
});
