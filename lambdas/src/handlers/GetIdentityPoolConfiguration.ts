import { operationHandler } from '../protocol/operation-handler';
import { pools } from '../capabilities';

export const handler = operationHandler('GetIdentityPoolConfiguration', (configurations, input) => configurations.get(input), pools);
