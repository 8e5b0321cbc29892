import { operationHandler } from '../protocol/operation-handler';

export const handler = operationHandler('DescribeIdentityUsage', (service, input, principal) => service.describeIdentityUsage(principal, input));
