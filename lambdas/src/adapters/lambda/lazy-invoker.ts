/**
 * The deployed sync-trigger invoker, loaded on its first invocation: UpdateRecords' cold start does
 * not pay for loading the Lambda client when its pool has no trigger, or for a developer's call.
 */
import type { FunctionInvoker } from '../../domain/records/sync-trigger-step';

export function lazyLambdaTriggerInvoker(region: string): FunctionInvoker {
  let invoker: Promise<FunctionInvoker> | undefined;
  return {
    invoke: async (functionArn, payload) => {
      // A literal import, so that esbuild still bundles the adapter into UpdateRecords' function.
      invoker ??= import('./function-invoker').then((adapter) => adapter.lambdaTriggerInvoker(region));
      return (await invoker).invoke(functionArn, payload);
    },
  };
}
