/**
 * All operation entry points, and an in-process router over them for the local server and tests:
 * the same table routes here as in API Gateway, and the same handler answers.
 */
import type { Context } from 'aws-lambda';
import { matchRoute, OPERATION_NAMES, type OperationName } from '../operations';
import type { SyncHttpEvent, SyncHttpResult } from '../protocol/http-event';
import { requestIdOf } from '../protocol/middlewares';
import { unknownRouteError } from './unknown-route';
import type { CallerPolicy } from '../protocol/caller-policy';
import type { OperationHandler, ServiceResolver } from '../protocol/operation-handler';
import { decodeLabel, requestPath } from '../protocol/request';
import { errorResult } from '../protocol/response';
import { handler as BulkPublish } from './BulkPublish';
import { handler as DeleteDataset } from './DeleteDataset';
import { handler as DescribeDataset } from './DescribeDataset';
import { handler as DescribeIdentityPoolUsage } from './DescribeIdentityPoolUsage';
import { handler as DescribeIdentityUsage } from './DescribeIdentityUsage';
import { handler as GetBulkPublishDetails } from './GetBulkPublishDetails';
import { handler as GetCognitoEvents } from './GetCognitoEvents';
import { handler as GetIdentityPoolConfiguration } from './GetIdentityPoolConfiguration';
import { handler as ListDatasets } from './ListDatasets';
import { handler as ListIdentityPoolUsage } from './ListIdentityPoolUsage';
import { handler as ListRecords } from './ListRecords';
import { handler as RegisterDevice } from './RegisterDevice';
import { handler as SetCognitoEvents } from './SetCognitoEvents';
import { handler as SetIdentityPoolConfiguration } from './SetIdentityPoolConfiguration';
import { handler as SubscribeToDataset } from './SubscribeToDataset';
import { handler as UnsubscribeFromDataset } from './UnsubscribeFromDataset';
import { handler as UpdateRecords } from './UpdateRecords';

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

/** API Gateway HTTP APIs give an integration at most 30 s; the local endpoint keeps the same bound. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A Lambda context for an in-process call. `getRemainingTimeInMillis` matters: middy uses it to answer
 * a rest-json 500 shortly before the deadline instead of letting the caller hang.
 */
export function lambdaContext(operation: OperationName, requestId: string, timeoutMs = DEFAULT_TIMEOUT_MS): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error('Use the promise result of the handler');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `open-cognito-sync-${operation}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:open-cognito-sync-${operation}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/open-cognito-sync-${operation}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

export interface DispatchOptions {
  /** Serve every operation from this service instead of the runtime's. */
  readonly resolveService?: ServiceResolver;
  /** Decide who is a developer with this policy instead of the process's (config.ts). */
  readonly callerPolicy?: CallerPolicy;
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
  const { resolveService, callerPolicy } = options;
  if (resolveService || callerPolicy) {
    for (const name of OPERATION_NAMES) handlers[name] = HANDLERS[name].with({ resolveService, callerPolicy });
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
      return await handlers[name](event, lambdaContext(name, requestId, options.timeoutMs));
    } catch (e) {
      return errorResult(e, requestId);
    }
  };
}

/** The router over the deployed-style service (`runtime.ts`). */
export const dispatch: Dispatch = createDispatch();
