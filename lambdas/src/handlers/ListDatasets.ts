import { operationHandler } from '../protocol/operation-handler';

export const handler = operationHandler('ListDatasets', (service, input, principal) => service.listDatasets(principal, input));
