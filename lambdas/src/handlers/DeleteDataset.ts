import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';
import { processDropInAuthenticator } from '../drop-in/drop-in-runtime';

export const handler = operationHandler(
  'DeleteDataset',
  (service, input, principal) => service.deleteDataset(principal, input),
  records,
  undefined,
  processDropInAuthenticator,
);
