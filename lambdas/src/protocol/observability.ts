/**
 * What an operation's invocation amounts to for logs, metrics and traces: its HTTP answer. The
 * middlewares that report it are `observability/middleware.ts`, the same for every kind of handler;
 * this is the HTTP half, and `operation-handler.ts` uses both.
 *
 * The log line (docs: README "Logs, metrics, traces, alarms"): `operation`, `requestId` (the
 * `x-amzn-RequestId` the client saw), `status`, `errorType`, `latencyMs`, `caller` (`identity` or
 * `developer`, as signed; `drop-in` for a request without IAM authorizer context, verified by the
 * function (drop-in/), or `none`), `userArn` (the signer: the audit trail of developer access and
 * of refused callers), `accessKeyId` (drop-in: the key the request claims to be signed with), plus the Lambda context (`cold_start`, `function_request_id`, ...).
 * Faults (5xx but 501) at ERROR, 501 (an operation not available yet) at WARN, the rest at INFO.
 */
import { headerValue } from './headers';
import { isServerFault } from './errors';
import type { SyncHttpEvent, SyncHttpResult } from './http-event';
import type { Outcome, OutcomeOf } from '../observability/middleware';

const NOT_IMPLEMENTED = 501;

export const httpOutcome: OutcomeOf<SyncHttpEvent, unknown> = ({ event, response }): Outcome => {
  // The protocol answers every request; no answer means the entry point itself threw.
  const result = response as SyncHttpResult | undefined;
  const status = result?.statusCode ?? 500;
  const iam = event?.requestContext?.authorizer?.iam;
  const dropInKey = iam ? undefined : claimedAccessKeyId(event?.headers?.authorization);
  const fault = isServerFault(status);
  return {
    status,
    fault,
    level: fault ? 'error' : status === NOT_IMPLEMENTED ? 'warn' : 'info',
    errorType: result ? headerValue(result.headers, 'x-amzn-ErrorType') : 'Unhandled',
    fields: {
      requestId: (result && headerValue(result.headers, 'x-amzn-RequestId')) ?? event?.requestContext?.requestId,
      caller: iam ? (iam.cognitoIdentity ? 'identity' : 'developer') : dropInKey ? 'drop-in' : 'none',
      userArn: iam?.userArn,
      ...(dropInKey ? { accessKeyId: dropInKey } : {}),
    },
  };
};

/** The access key id of an Authorization header (`... Credential=<key>/<scope>, ...`): not a secret. */
const claimedAccessKeyId = (authorization: string | undefined): string | undefined =>
  authorization ? /Credential=([A-Z0-9]{16,128})\//.exec(authorization)?.[1] : undefined;
