import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';

export const handler = operationHandler('UpdateRecords', (service, input, principal) => service.updateRecords(principal, input), records);
