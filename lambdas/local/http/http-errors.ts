/**
 * What the local HTTP server answers itself for a request it could not read as one, before any
 * operation is known: headers over Node's limit (431) and a request not received in time (408).
 * Deployed, API Gateway answers these, so they are no part of the service's error model: they are
 * `ProtocolError`s carrying their own status. A body over the size limit is the model's
 * `RequestEntityTooLargeException` (413), which the deployed service answers too.
 */
import { ProtocolError } from '../../src/protocol/errors';

export const HttpErrors = {
  headersTooLarge: () => new ProtocolError('RequestHeaderFieldsTooLargeException', 431, 'The request headers are too large'),
  notReceivedInTime: () => new ProtocolError('RequestTimeoutException', 408, 'The request was not received in time'),
} as const;
