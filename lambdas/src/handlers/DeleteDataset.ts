import { operationHandler } from '../protocol/operation-handler';

export const handler = operationHandler('DeleteDataset', (service, input, principal) => service.deleteDataset(principal, input));
