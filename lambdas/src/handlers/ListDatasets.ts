import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';
import { processDropInAuthenticator } from '../drop-in/drop-in-runtime';

export const handler = operationHandler(
  'ListDatasets',
  (service, input, principal) => service.listDatasets(principal, input),
  records,
  undefined,
  processDropInAuthenticator,
);
