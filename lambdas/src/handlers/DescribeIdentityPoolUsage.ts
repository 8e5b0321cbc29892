import { operationHandler } from '../protocol/operation-handler';
import { poolUsage } from '../capabilities';

export const handler = operationHandler('DescribeIdentityPoolUsage', (usage, input) => usage.describe(input), poolUsage);
