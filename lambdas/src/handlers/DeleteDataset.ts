import { operationHandler } from '../protocol/operation-handler';
import { records } from '../capabilities';

export const handler = operationHandler('DeleteDataset', (service, input, principal) => service.deleteDataset(principal, input), records);
