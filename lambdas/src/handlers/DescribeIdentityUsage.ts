import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';
import { processDropInAuthenticator } from '../drop-in/drop-in-runtime';

export const handler = operationHandler(
  'DescribeIdentityUsage',
  (service, input, principal) => service.describeIdentityUsage(principal, input),
  records,
  undefined,
  processDropInAuthenticator,
);
