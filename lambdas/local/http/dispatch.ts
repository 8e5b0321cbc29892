/**
 * The in-process router of the local endpoint (and of the tests and the bench): every operation's
 * deployed entry point (lambdas/src/handlers/), routed by the same table as in API Gateway, so the
 * same handler answers. It lives here, not beside the entry points, because no Lambda function
 * needs it: a function's bundle holds its own entry point only.
 */
import { matchRoute, OPERATION_NAMES, type OperationName } from '../../src/operations';
import type { SyncHttpEvent, SyncHttpResult } from '../../src/protocol/http-event';
import { requestIdOf } from '../../src/protocol/middlewares';
import type { HandlerOverrides, OperationHandler } from '../../src/protocol/operation-handler';
import { decodeLabel, requestPath } from '../../src/protocol/request';
import { errorResult } from '../../src/protocol/response';
import { unknownRouteError } from '../../src/protocol/unknown-route-error';
import { handler as BulkPublish } from '../../src/handlers/BulkPublish';
import { handler as DeleteDataset } from '../../src/handlers/DeleteDataset';
import { handler as DescribeDataset } from '../../src/handlers/DescribeDataset';
import { handler as DescribeIdentityPoolUsage } from '../../src/handlers/DescribeIdentityPoolUsage';
import { handler as DescribeIdentityUsage } from '../../src/handlers/DescribeIdentityUsage';
import { handler as GetBulkPublishDetails } from '../../src/handlers/GetBulkPublishDetails';
import { handler as GetCognitoEvents } from '../../src/handlers/GetCognitoEvents';
import { handler as GetIdentityPoolConfiguration } from '../../src/handlers/GetIdentityPoolConfiguration';
import { handler as ListDatasets } from '../../src/handlers/ListDatasets';
import { handler as ListIdentityPoolUsage } from '../../src/handlers/ListIdentityPoolUsage';
import { handler as ListRecords } from '../../src/handlers/ListRecords';
import { handler as RegisterDevice } from '../../src/handlers/RegisterDevice';
import { handler as SetCognitoEvents } from '../../src/handlers/SetCognitoEvents';
import { handler as SetIdentityPoolConfiguration } from '../../src/handlers/SetIdentityPoolConfiguration';
import { handler as SubscribeToDataset } from '../../src/handlers/SubscribeToDataset';
import { handler as UnsubscribeFromDataset } from '../../src/handlers/UnsubscribeFromDataset';
import { handler as UpdateRecords } from '../../src/handlers/UpdateRecords';
import { lambdaContext } from './lambda-context';

export const HANDLERS: Readonly<Record<OperationName, OperationHandler>> = {
  BulkPublish,
  DeleteDataset,
  DescribeDataset,
  DescribeIdentityPoolUsage,
  DescribeIdentityUsage,
  GetBulkPublishDetails,
  GetCognitoEvents,
  GetIdentityPoolConfiguration,
  ListDatasets,
  ListIdentityPoolUsage,
  ListRecords,
  RegisterDevice,
  SetCognitoEvents,
  SetIdentityPoolConfiguration,
  SubscribeToDataset,
  UnsubscribeFromDataset,
  UpdateRecords,
};

/** The capabilities and caller policy to serve with instead of the runtime's (HandlerOverrides), and a deadline. */
export interface DispatchOptions extends HandlerOverrides {
  /** Per-request deadline (default 30 s). */
  readonly timeoutMs?: number;
}

export type Dispatch = (event: SyncHttpEvent) => Promise<SyncHttpResult>;

/**
 * A router over the operation table: finds the operation by method and path, as API Gateway does,
 * and calls its handler. Whatever the request, the answer is a rest-json response, never a throw:
 * no route -> 404 `UnknownOperationException`, bad percent-encoding -> 400 `InvalidParameterException`.
 */
export function createDispatch(options: DispatchOptions = {}): Dispatch {
  const handlers: Record<OperationName, OperationHandler> = { ...HANDLERS };
  const { timeoutMs, ...overrides } = options;
  if (Object.values(overrides).some((override) => override !== undefined)) {
    for (const name of OPERATION_NAMES) handlers[name] = HANDLERS[name].with(overrides);
  }
  return async (event) => {
    const requestId = requestIdOf(event);
    const method = event.requestContext?.http?.method ?? '';
    const path = requestPath(event);
    try {
      // decodeLabel refuses bad percent-encoding with InvalidParameterException, naming the segment.
      const route = matchRoute(method, path, decodeLabel);
      if (!route) throw unknownRouteError(event);
      const name = route.op.name;
      return await handlers[name](event, lambdaContext(name, requestId, timeoutMs));
    } catch (e) {
      return errorResult(e, requestId);
    }
  };
}

/** The router over the deployed-style service (`runtime.ts`). */
export const dispatch: Dispatch = createDispatch();
