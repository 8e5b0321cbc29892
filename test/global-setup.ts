/**
 * One DynamoDB Local (in memory) for the whole test run: a JVM start costs a second or two, a table
 * costs milliseconds. Each test file makes its own tables (`test/helpers/dynamodb-local.ts`), so
 * files stay isolated while sharing the process.
 *
 * Every tier that needs a store (vitest.config.ts) lists this setup, and vitest runs it once per tier;
 * the tiers of one run share the first JVM (counted on globalThis, which all setups of a run see), and the
 * last teardown stops it. The unit tier does not list it, so it runs without Java.
 */
import type { TestProject } from 'vitest/node';
import { type DynamoDBLocal, startDynamoDBLocal } from '../lambdas/local/emulators/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the shared DynamoDB Local. */
    dynamoEndpoint: string;
  }
}

interface SharedDynamoDBLocal {
  started: Promise<DynamoDBLocal>;
  users: number;
}

const SHARED = Symbol.for('open-cognito-sync.test.dynamodb-local');
const runState = globalThis as typeof globalThis & { [SHARED]?: SharedDynamoDBLocal };

function startOnce(): SharedDynamoDBLocal {
  let shared = runState[SHARED];
  if (!shared) {
    const began = Date.now();
    const started = startDynamoDBLocal({ inMemory: true }).then((dynamo) => {
      if (process.env.DEBUG_DYNAMODB_LOCAL) {
        console.log(`DynamoDB Local at ${dynamo.endpoint}, started in ${Date.now() - began} ms`);
      }
      return dynamo;
    });
    shared = { started, users: 0 };
    runState[SHARED] = shared;
  }
  shared.users += 1;
  return shared;
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const shared = startOnce();
  const dynamo = await shared.started;
  provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    shared.users -= 1;
    if (shared.users === 0) {
      delete runState[SHARED];
      await dynamo.stop();
    }
  };
}
