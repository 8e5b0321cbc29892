import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';

export const handler = operationHandler('ListRecords', (service, input, principal) => service.listRecords(principal, input), records);
