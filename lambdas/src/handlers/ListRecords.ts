import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';
import { processDropInAuthenticator } from '../drop-in/drop-in-runtime';

export const handler = operationHandler(
  'ListRecords',
  (service, input, principal) => service.listRecords(principal, input),
  records,
  undefined,
  processDropInAuthenticator,
);
