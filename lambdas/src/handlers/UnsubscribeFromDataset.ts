import { operationHandler } from '../protocol/operation-handler';
import { push } from '../capabilities';
import { createPushTableAdapters } from '../push-table-runtime';
import { processDropInAuthenticator } from '../drop-in/drop-in-runtime';

export const handler = operationHandler(
  'UnsubscribeFromDataset',
  (service, input) => service.unsubscribe(input),
  () => push(createPushTableAdapters),
  undefined,
  processDropInAuthenticator,
);
