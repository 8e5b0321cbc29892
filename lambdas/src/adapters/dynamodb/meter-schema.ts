/**
 * The capacity meter's (capacity-meter.ts) view of a table and of what it bills: the key schema and local
 * secondary indexes it sizes index entries by, and the units recorded per call. Apart so the meter's
 * callers (the cost bench, the tests) and the meter share these types without the billing code.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export interface IndexSchema {
  readonly name: string;
  readonly sortKey: string;
  /** 'ALL', 'KEYS_ONLY', or the non-key attributes an INCLUDE projection copies. */
  readonly projection: 'ALL' | 'KEYS_ONLY' | readonly string[];
}

export interface TableSchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly localIndexes: readonly IndexSchema[];
}

/** The key schema and local secondary indexes of a CreateTable input (tableDefinition in table-schema.ts). */
export function schemaOf(definition: CreateTableCommandInput): TableSchema {
  const keyOf = (keys: { AttributeName?: string; KeyType?: string }[] | undefined, type: string) => keys?.find((k) => k.KeyType === type)?.AttributeName;
  return {
    partitionKey: keyOf(definition.KeySchema, 'HASH') ?? '',
    sortKey: keyOf(definition.KeySchema, 'RANGE'),
    localIndexes: (definition.LocalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName ?? '',
      sortKey: keyOf(index.KeySchema, 'RANGE') ?? '',
      projection:
        index.Projection?.ProjectionType === 'INCLUDE'
          ? (index.Projection.NonKeyAttributes ?? [])
          : index.Projection?.ProjectionType === 'KEYS_ONLY'
            ? 'KEYS_ONLY'
            : 'ALL',
    })),
  };
}

/** What one call was billed. `write` includes the index writes, which `indexWrite` shows apart. */
export interface MeteredCall {
  readonly operation: string;
  readonly read: number;
  readonly write: number;
  readonly indexWrite: number;
}

export interface MeterTotals {
  read: number;
  write: number;
  indexWrite: number;
  calls: number;
}
