import { operationHandler } from '../protocol/operation-handler';
import { pools } from '../capabilities';

export const handler = operationHandler('SetIdentityPoolConfiguration', (configurations, input) => configurations.set(input), pools);
