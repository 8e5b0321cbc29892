import { operationHandler } from '../protocol/operation-handler';
import { push } from '../capabilities';
import { createPushAdapters } from '../push-runtime';

export const handler = operationHandler(
  'UnsubscribeFromDataset',
  (service, input) => service.unsubscribe(input),
  () => push(createPushAdapters),
);
