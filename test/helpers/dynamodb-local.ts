/**
 * A fresh, uniquely named table on the DynamoDB Local that `test/global-setup.ts` started, so that
 * test files (and tests, if they like) never see each other's data.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createDynamoDBLocalClient } from '../../lambdas/local/emulators/dynamodb-local';
import { ensureTable } from '../../lambdas/src/adapters/dynamodb/table-schema';

export interface FreshTable {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly endpoint: string;
}

/** The shared DynamoDB Local's endpoint. */
export const dynamoEndpoint = (): string => inject('dynamoEndpoint');

export async function freshTable(prefix = 'test'): Promise<FreshTable> {
  const endpoint = dynamoEndpoint();
  const client = createDynamoDBLocalClient(endpoint);
  // Table names allow [a-zA-Z0-9_.-], 3-255 characters.
  const tableName = `${prefix.replace(/[^a-zA-Z0-9_.-]/g, '-')}-${randomUUID()}`;
  await ensureTable(client, tableName);
  return { client, tableName, endpoint };
}
