import { operationHandler } from '../protocol/operation-handler';

export const handler = operationHandler('DescribeDataset', (service, input, principal) => service.describeDataset(principal, input));
