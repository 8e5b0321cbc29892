import { operationHandler } from '../protocol/operation-handler';
import { push } from '../capabilities';
import { createPushAdapters } from '../push-runtime';
import { processDropInAuthenticator } from '../drop-in/drop-in-runtime';

export const handler = operationHandler(
  'RegisterDevice',
  (service, input) => service.registerDevice(input),
  () => push(createPushAdapters),
  undefined,
  processDropInAuthenticator,
);
