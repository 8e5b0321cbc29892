import { operationHandler } from '../protocol/operation-handler';

export const handler = operationHandler('UpdateRecords', (service, input, principal) => service.updateRecords(principal, input));
