import { operationHandler } from '../protocol/operation-handler';

export const handler = operationHandler('ListRecords', (service, input, principal) => service.listRecords(principal, input));
