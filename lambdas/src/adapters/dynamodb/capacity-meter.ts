/**
 * A capacity meter: a middleware on a DynamoDB client that computes, for every call, the read and write
 * request units AWS would bill for it, from the items' sizes by DynamoDB's published rules
 * (item-size.ts). DynamoDB Local's own ConsumedCapacity is no guide: it reports, for instance, 4 units
 * for any transaction whatever its size. Opt-in: the runtime never installs it; the cost bench and the
 * tests do. It changes no request and adds no round trip: it reads what the call sends and gets back.
 *
 * Rules applied (AWS, Amazon DynamoDB Developer Guide):
 * - https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 *   GetItem: item size in 4 KB steps (a miss still costs one step); BatchGetItem: each item rounded on
 *   its own; Query/Scan: the sum of the items read, then rounded; eventually consistent reads cost half.
 *   Reads are billed on the whole item, whatever a ProjectionExpression returns. PutItem, UpdateItem,
 *   DeleteItem: the larger of the item before and after, in 1 KB steps; a write whose condition fails
 *   costs the existing item's size (at least 1 unit). BatchWriteItem: each item on its own.
 * - https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
 *   TransactWriteItems / TransactGetItems: two underlying writes or reads per item: units × 2.
 * - https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html (provisioned throughput
 *   considerations): a write that puts an item with the index's sort key attribute costs one index write
 *   of the projected entry's size; one that changes that attribute's value costs two (delete the old entry,
 *   put the new); one that changes only projected attributes costs one; deleting an indexed item costs one.
 *   A Query on the index is billed on the size of the index entries it reads.
 *
 * The old item. Update and delete sizes (and index writes) depend on the item before the call, which
 * the request does not carry. The meter keeps a shadow of every item it has seen written or read in
 * full, and takes the "before" from it: exact when every write to the table goes through metered clients
 * since the table was created (the bench and the tests, on fresh tables). An item the shadow has never
 * seen is taken as absent (counted in `shadowMisses`: the figures are then a lower bound). When the
 * caller already asked for ReturnValues ALL_OLD / ALL_NEW, those images are used instead. An
 * UpdateExpression is applied to the shadow for the simple forms (SET a = :v, if_not_exists, a + :v,
 * ADD, REMOVE, DELETE); anything else counts in `estimates` and takes the value it names.
 *
 * Not documented by AWS, and assumed here: a cancelled transaction is billed like failed conditional
 * writes (each action at its existing item's size, at least 1 unit, ×2, no index writes); index writes
 * made by a transaction are doubled like the table's; a ConditionCheck is billed as a transactional read.
 *
 * Beside it: meter-schema.ts (the table schema and the units recorded), meter-update-expression.ts (an
 * UpdateExpression applied to the shadow) and meter-remarshal.ts (document-client answers back in wire
 * form). The middleware and the per-operation billing rules stay together here (374 lines) because every
 * rule reads and updates the same shadow of items.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AttributeMap, itemSize, type ReadConsistency, readUnits, STORAGE_OVERHEAD_BYTES, writeUnits } from './item-size';
import { applyUpdate, type WriteAction } from './meter-update-expression';
import { type IndexSchema, type MeteredCall, type MeterTotals, schemaOf, type TableSchema } from './meter-schema';
import { remarshal } from './meter-remarshal';

// The meter's callers import the schema and the call types from here, as before the split.
export { schemaOf };
export type { IndexSchema, MeteredCall, MeterTotals, TableSchema };

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

const WRITE_OPERATIONS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);

export class CapacityMeter {
  readonly log: MeteredCall[] = [];
  /** Writes and projected reads of items the shadow had never seen (taken as absent: a lower bound). */
  shadowMisses = 0;
  /** Update expressions applied approximately (a form the shadow does not model). */
  estimates = 0;
  private readonly shadow = new Map<string, AttributeMap>();

  /**
   * `sawEveryWrite`: every write to the table since it was created goes through metered clients (a
   * fresh table), so an item missing from the shadow is truly absent rather than unknown.
   */
  constructor(
    private readonly schema: TableSchema,
    private readonly options: { sawEveryWrite?: boolean } = {},
  ) {}

  /** Adds the meter to a client's middleware stack; every command sent through it is metered. */
  install(client: DynamoDBClient): this {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName);
        const input = args.input as Input;
        // A document client (lib-dynamodb) has marshalled the input by this step, but hands its output
        // back already unmarshalled: marshal it again to size it as DynamoDB does.
        const documentClient =
          (context as { __aws_sdk_context?: { features?: Record<string, unknown> } }).__aws_sdk_context?.features?.DDB_MAPPER !== undefined;
        try {
          const result = await next(args);
          const output = result.output as unknown as Output;
          this.record(operation, this.billSuccess(operation, input, documentClient ? remarshal(output) : output));
          return result;
        } catch (error) {
          const failed = this.billFailure(operation, input, error as Error & { CancellationReasons?: unknown[] });
          if (failed) this.record(operation, failed);
          throw error;
        }
      },
      { step: 'build', name: 'capacityMeter' },
    );
    return this;
  }

  totals(): MeterTotals {
    return this.log.reduce<MeterTotals>(
      (t, c) => ({ read: t.read + c.read, write: t.write + c.write, indexWrite: t.indexWrite + c.indexWrite, calls: t.calls + 1 }),
      { read: 0, write: 0, indexWrite: 0, calls: 0 },
    );
  }

  reset(): void {
    this.log.length = 0;
  }

  /**
   * Bytes stored, as DynamoDB bills storage, of the items the shadow holds whose partition key starts
   * with `partitionPrefix`: each item's size plus 100 bytes, and each index entry's size plus 100 bytes.
   */
  storedBytes(partitionPrefix = ''): { table: number; indexes: number; items: number } {
    let table = 0;
    let indexes = 0;
    let items = 0;
    for (const item of this.shadow.values()) {
      const pk = item[this.schema.partitionKey]?.S ?? '';
      if (!pk.startsWith(partitionPrefix)) continue;
      items++;
      table += itemSize(item) + STORAGE_OVERHEAD_BYTES;
      for (const index of this.schema.localIndexes) {
        const entry = this.indexEntry(index, item);
        if (entry) indexes += itemSize(entry) + STORAGE_OVERHEAD_BYTES;
      }
    }
    return { table, indexes, items };
  }

  // ---- billing ----

  private record(operation: string, units: Omit<MeteredCall, 'operation'>): void {
    this.log.push({ operation, ...units });
  }

  private billSuccess(operation: string, input: Input, output: Output): Omit<MeteredCall, 'operation'> {
    const table = String(input.TableName ?? '');
    const consistency = (consistent: unknown): ReadConsistency => (consistent === true ? 'strong' : 'eventual');
    switch (operation) {
      case 'GetItemCommand': {
        const key = input.Key as AttributeMap;
        const found = output.Item as AttributeMap | undefined;
        const size = found ? itemSize(this.fullItem(table, key, found, input.ProjectionExpression === undefined)) : 0;
        return { read: readUnits(size, consistency(input.ConsistentRead)), write: 0, indexWrite: 0 };
      }
      case 'BatchGetItemCommand':
        return { read: this.billBatchGet(input, output), write: 0, indexWrite: 0 };
      case 'QueryCommand':
      case 'ScanCommand':
        return { read: this.billQuery(table, input, output), write: 0, indexWrite: 0 };
      case 'TransactGetItemsCommand': {
        let read = 0;
        const items = (input.TransactItems ?? []) as { Get: { TableName: string; Key: AttributeMap } }[];
        const responses = (output.Responses ?? []) as { Item?: AttributeMap }[];
        items.forEach(({ Get }, i) => {
          const found = responses[i]?.Item;
          read += readUnits(found ? itemSize(this.fullItem(Get.TableName, Get.Key, found, false)) : 0, 'transactional');
        });
        return { read, write: 0, indexWrite: 0 };
      }
      case 'PutItemCommand':
      case 'UpdateItemCommand':
      case 'DeleteItemCommand': {
        const action = this.writeAction(operation, input);
        const returned = output.Attributes as AttributeMap | undefined;
        const images = this.images(table, action, returned, String(input.ReturnValues ?? 'NONE'));
        return this.applyWrite(table, action.key, images.before, images.after, false);
      }
      case 'BatchWriteItemCommand':
        return this.billBatchWrite(input, output);
      case 'TransactWriteItemsCommand': {
        let units = { read: 0, write: 0, indexWrite: 0 };
        for (const entry of (input.TransactItems ?? []) as Record<string, Input>[]) {
          const [kind, body] = Object.entries(entry)[0];
          const entryTable = String(body.TableName);
          if (kind === 'ConditionCheck') {
            const before = this.shadow.get(this.shadowKey(entryTable, body.Key as AttributeMap));
            units = sum(units, { read: readUnits(before ? itemSize(before) : 0, 'transactional'), write: 0, indexWrite: 0 });
            continue;
          }
          const action = this.writeAction(`${kind}ItemCommand`, body);
          const images = this.images(entryTable, action, undefined, 'NONE');
          units = sum(units, this.applyWrite(entryTable, action.key, images.before, images.after, true));
        }
        return units;
      }
      default:
        // Control-plane calls (CreateTable, DescribeTable, UpdateTimeToLive...) are not billed in units.
        return { read: 0, write: 0, indexWrite: 0 };
    }
  }

  /** A write refused by its condition costs the existing item's size; a cancelled transaction, each item's. */
  private billFailure(operation: string, input: Input, error: Error & { CancellationReasons?: unknown[] }): Omit<MeteredCall, 'operation'> | undefined {
    if (!WRITE_OPERATIONS.has(operation)) return undefined;
    if (error.name === 'ConditionalCheckFailedException') {
      const before = this.shadow.get(this.shadowKey(String(input.TableName), this.writeAction(operation, input).key));
      return { read: 0, write: writeUnits(before ? itemSize(before) : 0), indexWrite: 0 };
    }
    if (error.name === 'TransactionCanceledException') {
      let write = 0;
      for (const entry of (input.TransactItems ?? []) as Record<string, Input>[]) {
        const [kind, body] = Object.entries(entry)[0];
        const key = this.writeAction(`${kind}ItemCommand`, body).key;
        const before = this.shadow.get(this.shadowKey(String(body.TableName), key));
        write += writeUnits(before ? itemSize(before) : 0, true);
      }
      return { read: 0, write, indexWrite: 0 };
    }
    return undefined;
  }

  private billBatchGet(input: Input, output: Output): number {
    let read = 0;
    const requests = (input.RequestItems ?? {}) as Record<string, { Keys: AttributeMap[]; ConsistentRead?: boolean; ProjectionExpression?: string }>;
    const responses = (output.Responses ?? {}) as Record<string, AttributeMap[]>;
    const unprocessed = (output.UnprocessedKeys ?? {}) as Record<string, { Keys?: AttributeMap[] }>;
    for (const [table, request] of Object.entries(requests)) {
      const consistency: ReadConsistency = request.ConsistentRead ? 'strong' : 'eventual';
      const found = responses[table] ?? [];
      const wholeItems = request.ProjectionExpression === undefined;
      for (const item of found) {
        const key = request.Keys.find((k) => this.keyMatches(k, item)) ?? this.keyOf(item);
        read += readUnits(itemSize(this.fullItem(table, key, item, wholeItems)), consistency);
      }
      // Each key is read as its own GetItem: a key not found costs the minimum too.
      const misses = request.Keys.length - found.length - (unprocessed[table]?.Keys?.length ?? 0);
      read += Math.max(0, misses) * readUnits(0, consistency);
    }
    return read;
  }

  private billQuery(table: string, input: Input, output: Output): number {
    const items = (output.Items ?? []) as AttributeMap[];
    const partition = this.partitionOfQuery(input);
    const index = this.schema.localIndexes.find((i) => i.name === input.IndexName);
    const wholeItems = input.ProjectionExpression === undefined && (input.Select === undefined || input.Select === 'ALL_ATTRIBUTES');
    let bytes = 0;
    for (const returned of items) {
      const key = { ...this.keyOf(returned), ...(partition && !returned[this.schema.partitionKey] ? { [this.schema.partitionKey]: partition } : {}) };
      const full = this.fullItem(table, key, returned, wholeItems && index === undefined);
      // On an index, the entries read are the projected entries, not the table's items.
      bytes += itemSize(index ? (this.indexEntry(index, full) ?? full) : full);
    }
    return readUnits(bytes, input.ConsistentRead === true ? 'strong' : 'eventual');
  }

  private billBatchWrite(input: Input, output: Output): Omit<MeteredCall, 'operation'> {
    let units = { read: 0, write: 0, indexWrite: 0 };
    const unprocessed = (output.UnprocessedItems ?? {}) as Record<string, unknown[]>;
    for (const [table, requests] of Object.entries((input.RequestItems ?? {}) as Record<string, Record<string, Input>[]>)) {
      const left = new Set((unprocessed[table] ?? []).map((r) => JSON.stringify(r)));
      for (const request of requests) {
        if (left.has(JSON.stringify(request))) continue;
        const action = request.PutRequest
          ? this.writeAction('PutItemCommand', request.PutRequest)
          : this.writeAction('DeleteItemCommand', request.DeleteRequest as Input);
        const images = this.images(table, action, undefined, 'NONE');
        units = sum(units, this.applyWrite(table, action.key, images.before, images.after, false));
      }
    }
    return units;
  }

  // ---- writes and the shadow ----

  private writeAction(operation: string, input: Input): WriteAction {
    if (operation === 'PutItemCommand') {
      const item = input.Item as AttributeMap;
      return { kind: 'put', key: this.keyOf(item), item };
    }
    if (operation === 'DeleteItemCommand') return { kind: 'delete', key: input.Key as AttributeMap };
    return {
      kind: 'update',
      key: input.Key as AttributeMap,
      expression: String(input.UpdateExpression ?? ''),
      names: (input.ExpressionAttributeNames ?? {}) as Record<string, string>,
      values: (input.ExpressionAttributeValues ?? {}) as AttributeMap,
    };
  }

  /** The item before and after a write: from the returned images when the caller asked for them, else the shadow. */
  private images(table: string, action: WriteAction, returned: AttributeMap | undefined, returnValues: string) {
    const shadowed = this.shadow.get(this.shadowKey(table, action.key));
    if (shadowed === undefined && action.kind !== 'put' && !this.options.sawEveryWrite) this.shadowMisses++;
    const before = returnValues === 'ALL_OLD' && returned ? returned : shadowed;
    let after: AttributeMap | undefined;
    if (action.kind === 'put') after = action.item;
    else if (action.kind === 'update') {
      after = returnValues === 'ALL_NEW' && returned ? returned : applyUpdate({ ...action.key, ...(before ?? {}) }, action, () => this.estimates++);
    }
    return { before, after };
  }

  /** Bills one successful write and records its result in the shadow. */
  private applyWrite(table: string, key: AttributeMap, before: AttributeMap | undefined, after: AttributeMap | undefined, transactional: boolean) {
    const factor = transactional ? 2 : 1;
    const tableWrite = writeUnits(Math.max(before ? itemSize(before) : 0, after ? itemSize(after) : 0), transactional);
    let indexWrite = 0;
    for (const index of this.schema.localIndexes) {
      const old = before ? this.indexEntry(index, before) : undefined;
      const next = after ? this.indexEntry(index, after) : undefined;
      if (!old && !next) continue;
      if (old && next) {
        const keyChanged = !sameValue(old[index.sortKey], next[index.sortKey]);
        if (keyChanged) indexWrite += writeUnits(itemSize(old)) + writeUnits(itemSize(next));
        else if (!sameItem(old, next)) indexWrite += writeUnits(Math.max(itemSize(old), itemSize(next)));
      } else {
        indexWrite += writeUnits(itemSize((old ?? next) as AttributeMap));
      }
    }
    const shadowKey = this.shadowKey(table, key);
    if (after) this.shadow.set(shadowKey, after);
    else this.shadow.delete(shadowKey);
    return { read: 0, write: tableWrite + indexWrite * factor, indexWrite: indexWrite * factor };
  }

  /** The whole item behind a read's answer: the answer itself when unprojected (and kept), else the shadow's. */
  private fullItem(table: string, key: AttributeMap, returned: AttributeMap, whole: boolean): AttributeMap {
    const shadowKey = this.shadowKey(table, key);
    if (whole) {
      this.shadow.set(shadowKey, returned);
      return returned;
    }
    const known = this.shadow.get(shadowKey);
    if (known) return known;
    if (!this.options.sawEveryWrite) this.shadowMisses++;
    return returned;
  }

  private indexEntry(index: IndexSchema, item: AttributeMap): AttributeMap | undefined {
    if (item[index.sortKey] === undefined) return undefined; // sparse: not in the index
    if (index.projection === 'ALL') return item;
    const names = [this.schema.partitionKey, this.schema.sortKey, index.sortKey, ...(index.projection === 'KEYS_ONLY' ? [] : index.projection)];
    return Object.fromEntries(names.filter((n): n is string => n !== undefined && item[n] !== undefined).map((n) => [n, item[n]]));
  }

  private keyOf(item: AttributeMap): AttributeMap {
    const { partitionKey, sortKey } = this.schema;
    return Object.fromEntries([partitionKey, sortKey].filter((n): n is string => n !== undefined && item[n] !== undefined).map((n) => [n, item[n]]));
  }

  /** Whether a requested key is the one of a (possibly projected) returned item, on the key attributes it carries. */
  private keyMatches(key: AttributeMap, item: AttributeMap): boolean {
    const shared = Object.keys(key).filter((n) => item[n] !== undefined);
    return shared.length > 0 && shared.every((n) => sameValue(key[n], item[n]));
  }

  private shadowKey(table: string, key: AttributeMap): string {
    const { partitionKey, sortKey } = this.schema;
    return JSON.stringify([table, key[partitionKey], sortKey ? key[sortKey] : null]);
  }

  /** The partition a Query reads, from its `<partition key> = :value` condition. */
  private partitionOfQuery(input: Input): AttributeValue | undefined {
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (input.ExpressionAttributeValues ?? {}) as AttributeMap;
    for (const [, name, placeholder] of String(input.KeyConditionExpression ?? '').matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
      if ((names[name] ?? name) === this.schema.partitionKey) return values[placeholder];
    }
    return undefined;
  }
}

const sum = (a: Omit<MeteredCall, 'operation'>, b: Omit<MeteredCall, 'operation'>) => ({
  read: a.read + b.read,
  write: a.write + b.write,
  indexWrite: a.indexWrite + b.indexWrite,
});

const sameValue = (a: AttributeValue | undefined, b: AttributeValue | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);
const sameItem = (a: AttributeMap, b: AttributeMap): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((n) => sameValue(a[n], b[n]));
