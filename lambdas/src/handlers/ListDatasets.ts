import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';

export const handler = operationHandler('ListDatasets', (service, input, principal) => service.listDatasets(principal, input), records);
