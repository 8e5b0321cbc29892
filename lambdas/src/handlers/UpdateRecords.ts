import { operationHandler } from '../protocol/operation-handler';
import { recordsWithSyncTrigger } from '../capabilities';
import { lazyLambdaTriggerInvoker } from '../adapters/lambda/lazy-invoker';
import { processDropInAuthenticator } from '../drop-in/drop-in-runtime';

// The only entry point that runs sync triggers, so the only bundle with the Lambda client.
export const handler = operationHandler(
  'UpdateRecords',
  (service, input, principal) => service.updateRecords(principal, input),
  () => recordsWithSyncTrigger(lazyLambdaTriggerInvoker),
  undefined,
  processDropInAuthenticator,
);
