import { operationHandler } from '../protocol/operation-handler';

// Not available yet (the table says so): the function exists, one per table entry, and answers 501.
export const handler = operationHandler('GetIdentityPoolConfiguration');
