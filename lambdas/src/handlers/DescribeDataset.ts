import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';
import { processDropInAuthenticator } from '../drop-in/drop-in-runtime';

export const handler = operationHandler(
  'DescribeDataset',
  (service, input, principal) => service.describeDataset(principal, input),
  records,
  undefined,
  processDropInAuthenticator,
);
