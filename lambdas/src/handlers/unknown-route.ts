/**
 * The entry point behind the API's `$default` route: requests whose method and path no operation
 * of the table has. API Gateway would otherwise answer its own `{"message":"Not Found"}`, which no
 * SDK can name; this answers the rest-json 404 `UnknownOperationException` the local endpoint gives
 * (`dispatch` uses the same error), and touches nothing else: no table, no key.
 */
import { Errors } from '../protocol/errors';
import type { SyncHttpEvent, SyncHttpResult } from '../protocol/http-event';
import { requestIdOf } from '../protocol/middlewares';
import { errorResult } from '../protocol/response';
import { elideValue } from '../protocol/validate';

export const unknownRouteError = (event: SyncHttpEvent) =>
  Errors.unknownOperation(
    `No operation matches ${(event.requestContext?.http?.method ?? '').toUpperCase()} ${elideValue(event.rawPath ?? '')}`,
  );

export const handler = async (event: SyncHttpEvent): Promise<SyncHttpResult> =>
  errorResult(unknownRouteError(event), requestIdOf(event));
