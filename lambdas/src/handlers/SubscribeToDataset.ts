import { operationHandler } from '../protocol/operation-handler';
import { push } from '../capabilities';
import { createPushAdapters } from '../push-runtime';

export const handler = operationHandler(
  'SubscribeToDataset',
  (service, input) => service.subscribe(input),
  () => push(createPushAdapters),
);
