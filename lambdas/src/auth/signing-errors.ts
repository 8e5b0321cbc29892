/**
 * The refusals of request signing, with the names, statuses and messages AWS's front end uses
 * (docs/behaviour.md#errors). The local endpoint and the deployed drop-in path answer them (behind
 * the IAM API, API Gateway's IAM authorizer does), and they are no part of the service's error model, so they are
 * `ProtocolError`s that carry their own 403 rather than codes of `lambdas/src/errors.ts`.
 */
import { ProtocolError } from '../protocol/errors';

const FORBIDDEN = 403;

const refusal = (name: string) => (message: string) => new ProtocolError(name, FORBIDDEN, message);

export const SigningErrors = {
  missingAuthenticationToken: refusal('MissingAuthenticationTokenException'),
  invalidSignature: refusal('InvalidSignatureException'),
  incompleteSignature: refusal('IncompleteSignatureException'),
  unrecognizedClient: refusal('UnrecognizedClientException'),
  expiredToken: refusal('ExpiredTokenException'),
} as const;
