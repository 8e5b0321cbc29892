/**
 * The answer to a request whose method and path no operation of the table has: the rest-json 404
 * `UnknownOperationException`. One error for the two places that meet such requests: the deployed
 * `$default` route's function (handlers/UnknownRoute.ts) and the local endpoint's router.
 */
import { Errors } from '../errors';
import type { SyncHttpEvent } from './http-event';
import { elideValue } from './validate';

export const unknownRouteError = (event: SyncHttpEvent) =>
  Errors.unknownOperation(`No operation matches ${(event.requestContext?.http?.method ?? '').toUpperCase()} ${elideValue(event.rawPath ?? '')}`);
