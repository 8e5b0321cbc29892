import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';

export const handler = operationHandler('DescribeIdentityUsage', (service, input, principal) => service.describeIdentityUsage(principal, input), records);
