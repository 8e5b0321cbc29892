/**
 * One DynamoDB Local (in memory) for the whole test run: a JVM start costs a second or two, a table
 * costs milliseconds. Each test file makes its own tables (`test/helpers/dynamodb-local.ts`), so
 * files stay isolated while sharing the process.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDBLocal } from '../lambdas/local/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the shared DynamoDB Local. */
    dynamoEndpoint: string;
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const dynamo = await startDynamoDBLocal({ inMemory: true });
  if (process.env.DEBUG_DYNAMODB_LOCAL) {
    console.log(`DynamoDB Local at ${dynamo.endpoint}, started in ${Date.now() - started} ms`);
  }
  provide('dynamoEndpoint', dynamo.endpoint);
  return () => dynamo.stop();
}
