/**
 * The capacity meter's sizing and billing rules, against the worked examples of AWS's documentation
 * (CapacityUnitCalculations.html, read-write-operations.html, LSI.html), and its middleware on a client
 * whose transport answers locally (no DynamoDB needed).
 */
import { Readable } from 'node:stream';
import { DynamoDBClient, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
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
});
