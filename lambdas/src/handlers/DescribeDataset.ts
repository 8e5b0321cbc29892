import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';

export const handler = operationHandler('DescribeDataset', (service, input, principal) => service.describeDataset(principal, input), records);
