/**
 * Each function's memory in the template: the measured default of its kind (lib/function-sizes.ts),
 * or the stack's `memorySize` (the `memorySize` context of bin/app.ts) for every function.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { OPERATION_LIST, OPERATIONS } from '../../lambdas/src/operations';
import { MEMORY_BY_ACCESS_MB, operationMemoryMb, UNAVAILABLE_MEMORY_MB, UNKNOWN_ROUTE_MEMORY_MB } from '../../lib/function-sizes';
import { CognitoSyncStack, type CognitoSyncStackProps } from '../../lib/sync-stack';

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

/** MemorySize of every function of the stack, by operation name (and `UnknownRoute`). */
function memorySizes(props: CognitoSyncStackProps = {}): Record<string, unknown> {
  const app = new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CognitoSyncStack(app, 'OpenCognitoSync', { env: { account: '111111111111', region: 'us-east-1' }, ...props });
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  const memoryOf = (fn: { node: { defaultChild?: unknown } }) => functions[stack.getLogicalId(fn.node.defaultChild as CfnFunction)].Properties.MemorySize;
  return {
    ...Object.fromEntries(OPERATION_LIST.map((op) => [op.name, memoryOf(stack.api.operations[op.name].function)])),
    UnknownRoute: memoryOf(stack.api.unknownRoute),
  };
}

describe('function sizes', () => {
  it('gives each function the measured size of its kind by default', () => {
    const sizes = memorySizes();
    for (const op of OPERATION_LIST) expect(sizes[op.name], op.name).toBe(operationMemoryMb(op));
    expect(sizes.UnknownRoute).toBe(UNKNOWN_ROUTE_MEMORY_MB);
  });

  it('sizes the sync cycle and the 501-only functions as chosen', () => {
    const sizes = memorySizes();
    // ListRecords is write-class: it may finish a dead writer's 1 MB commit.
    expect(sizes.ListRecords).toBe(512);
    expect(sizes.UpdateRecords).toBe(512);
    expect(sizes.DescribeDataset).toBe(256);
    expect(sizes.GetCognitoEvents).toBe(256);
    expect(sizes.UnknownRoute).toBe(128);
    expect(MEMORY_BY_ACCESS_MB).toEqual({ read: 256, write: 512 });
    // Every operation of the table is available now; one that is not (a new entry) gets the 501 size.
    expect(operationMemoryMb({ ...OPERATIONS.BulkPublish, available: false })).toBe(UNAVAILABLE_MEMORY_MB);
  });

  it('lets memorySize override every function, the unknown route included', () => {
    const sizes = memorySizes({ memorySize: 1536 });
    expect(new Set(Object.values(sizes))).toEqual(new Set([1536]));
  });
});
