/** One asynchronous invocation (`InvocationType: Event`) of a function; loaded by async-invoke-launcher.ts on first use. */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

export function asyncInvoker(region: string): (functionName: string, payload: string) => Promise<void> {
  const lambda = new LambdaClient({ region });
  return async (FunctionName, Payload) => {
    await lambda.send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload }));
  };
}
