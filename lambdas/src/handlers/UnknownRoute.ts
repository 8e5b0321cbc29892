/**
 * The entry point behind the API's `$default` route: requests whose method and path no operation
 * of the table has. API Gateway would otherwise answer its own `{"message":"Not Found"}`, which no
 * SDK can name; this answers the rest-json 404 `UnknownOperationException` the local endpoint gives
 * (protocol/unknown-route-error.ts, shared with the local router), and touches nothing else: no
 * table, no key.
 *
 * It also sits behind the unauthenticated `OPTIONS /{proxy+}` route, so that browsers' unsigned
 * preflights get a 204 with the CORS headers (protocol/cors.ts) instead of the IAM authorizer's 403.
 * An `OPTIONS` that is no preflight gets the 404 like any other unknown request.
 */
import { processConfig } from '../config';
import { isPreflight, preflightResult } from '../protocol/cors';
import type { SyncHttpEvent, SyncHttpResult } from '../protocol/http-event';
import { requestIdOf } from '../protocol/middlewares';
import { errorResult } from '../protocol/response';
import { unknownRouteError } from '../protocol/unknown-route-error';

export const handler = async (event: SyncHttpEvent): Promise<SyncHttpResult> =>
  isPreflight(event) ? preflightResult(event, processConfig().cors.allowOrigins) : errorResult(unknownRouteError(event), requestIdOf(event));
