import { operationHandler, unavailable } from '../protocol/operation-handler';

// Not implemented yet: the function exists (one per table entry) and answers 501.
export const handler = operationHandler('SetIdentityPoolConfiguration', unavailable('SetIdentityPoolConfiguration'));
