/**
 * The protocol as middy middlewares, one concern each. `operation-handler.ts` stacks them in this
 * order (middy runs `before` in order, then the handler, then `after`; `onError` catches everything):
 *
 *   restJsonErrors      onError  any error -> rest-json error response
 *   authenticate        before   principal from the IAM authorizer and the caller policy, or (drop-in) the verified signature, else 403
 *   requireAvailable    before   operation not implemented yet -> 501
 *   parseInput          before   path, query, header, body -> input
 *   validateConstraints before   model constraints -> 400 Coral message
 *   authorize           before   who may call what -> 403
 *   (handler)                    domain call with the input and principal
 *   restJsonOutput      after    output -> 200 rest-json response
 *
 * The handler reads what the middlewares established from `context.protocol`, because middy hands a
 * handler only the event and the context.
 *
 * A `before` middleware must return `undefined`: middy treats any other return as an early response.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Principal } from '../domain/model';
import type { OperationSpec } from '../operations';
import { callerPolicy, type CallerPolicy } from './caller-policy';
import { Errors } from '../errors';
import type { SyncHttpEvent, SyncHttpResult } from './http-event';
import { parseRequest, type RawInput } from './request';
import { errorResult, successResult } from './response';
import { validateInput } from './validate';

/** What the middlewares establish for the handler. */
export interface ProtocolState {
  principal?: Principal;
  input?: RawInput;
}

export type SyncContext = Context & { protocol?: ProtocolState };

export type SyncRequest = Request<SyncHttpEvent, unknown, Error, SyncContext>;

export type SyncMiddleware = MiddlewareObj<SyncHttpEvent, unknown, Error, SyncContext>;

/** The protocol state of a request, created on first use. */
export function protocolState(context: SyncContext): ProtocolState {
  if (!context.protocol) context.protocol = {};
  return context.protocol;
}

/** The request id clients see in `x-amzn-RequestId`, whatever shape the event is in. */
export function requestIdOf(event: Partial<SyncHttpEvent> | undefined, context?: Partial<Context>): string {
  return event?.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
}

// ---------------------------------------------------------------------------------------------

/** (a) Every error, expected or not, becomes a rest-json error response; nothing escapes to Lambda. */
export function restJsonErrors(op: OperationSpec): SyncMiddleware {
  return {
    name: 'restJsonErrors',
    onError: (request) => {
      request.response = errorResult(request.error, requestIdOf(request.event, request.context), op.name);
    },
  };
}

/**
 * The caller, as the IAM authorizer (API Gateway, or the local server's SigV4 check) established it.
 * `cognitoIdentity` is set exactly when the request was signed with Cognito Identity credentials;
 * any other signer is a developer only if the caller policy (caller-policy.ts) names it, and gets
 * `AccessDeniedException` otherwise: being allowed to invoke the API is not enough.
 */
export function principalOf(event: SyncHttpEvent, policy: CallerPolicy = callerPolicy()): Principal {
  const iam = event.requestContext?.authorizer?.iam;
  if (!iam || typeof iam.accountId !== 'string' || iam.accountId === '') {
    throw Errors.notAuthorized('The request carries no authenticated caller.');
  }
  const decision = policy.decide(iam);
  if (!decision.allowed) throw Errors.accessDenied(decision.reason);
  const ci = iam.cognitoIdentity;
  if (decision.kind === 'identity' && ci) {
    if (typeof ci.identityId !== 'string' || typeof ci.identityPoolId !== 'string') {
      throw Errors.notAuthorized('The Cognito Identity of the caller is incomplete.');
    }
    return { kind: 'identity', accountId: iam.accountId, identityPoolId: ci.identityPoolId, identityId: ci.identityId };
  }
  return { kind: 'developer', accountId: iam.accountId };
}

/**
 * (c, first half) Establishes the principal before anything else looks at the request, with the
 * policy the handler was composed with (the process's, or one the local server injected).
 */
export function authenticate(policy: () => CallerPolicy = callerPolicy, dropIn: () => DropInVerifier | undefined = () => undefined): SyncMiddleware {
  return {
    name: 'authenticate',
    before: async (request) => {
      // No IAM authorizer context: the drop-in API (no API Gateway authorizer), when drop-in mode
      // is on; the function verifies the signature itself. Otherwise principalOf refuses it.
      const verifier = request.event.requestContext?.authorizer?.iam ? undefined : dropIn();
      protocolState(request.context).principal = verifier ? await verifier.principalOf(request.event) : principalOf(request.event, policy());
    },
  };
}

/** Verifies a request that no API Gateway authorizer saw (drop-in/drop-in-authenticator.ts). */
export interface DropInVerifier {
  principalOf(event: SyncHttpEvent): Promise<Principal>;
}

/** Operations of the table whose issue has not landed answer 501 instead of a misleading 404. */
export function requireAvailable(op: OperationSpec): SyncMiddleware {
  return {
    name: 'requireAvailable',
    before: () => {
      if (!op.available) throw Errors.unavailableOperation(`${op.name} is not available on this endpoint yet`);
    },
  };
}

/** (b, first half) The wire request as the operation's input. */
export function parseInput(op: OperationSpec): SyncMiddleware {
  return {
    name: 'parseInput',
    before: (request) => {
      protocolState(request.context).input = parseRequest(op, request.event);
    },
  };
}

/** (b, second half) The model's constraints, all reported at once. */
export function validateConstraints(op: OperationSpec): SyncMiddleware {
  return {
    name: 'validateConstraints',
    before: (request) => {
      validateInput(op, protocolState(request.context).input ?? {});
    },
  };
}

/**
 * Who may call what (docs/behaviour.md#who-may-call-what): the operation's accepted credentials,
 * then, for an identity caller, its own pool and identity only. Developers may touch any identity of
 * their account's pools.
 */
export function checkAccess(op: OperationSpec, principal: Principal, input: Readonly<RawInput>): void {
  if (op.callers === 'developer' && principal.kind === 'identity') {
    throw Errors.notAuthorized(`${op.name} requires developer credentials; Cognito Identity credentials are not accepted.`);
  }
  if (op.callers === 'identity' && principal.kind === 'developer') {
    throw Errors.notAuthorized(`${op.name} requires Cognito Identity credentials; developer credentials are not accepted.`);
  }
  if (principal.kind !== 'identity') return;
  const pool = input.IdentityPoolId;
  if (typeof pool === 'string' && pool !== principal.identityPoolId) {
    throw Errors.notAuthorized(`Access to IdentityPool '${pool}' is forbidden.`);
  }
  const identity = input.IdentityId;
  if (typeof identity === 'string' && identity !== principal.identityId) {
    throw Errors.notAuthorized(`Access to Identity '${identity}' is forbidden.`);
  }
}

/** (c, second half) Applies `checkAccess` to the validated input. */
export function authorize(op: OperationSpec): SyncMiddleware {
  return {
    name: 'authorize',
    before: (request) => {
      const state = protocolState(request.context);
      if (!state.principal) throw Errors.notAuthorized('The request carries no authenticated caller.');
      checkAccess(op, state.principal, state.input ?? {});
    },
  };
}

/** (d) The handler's output as the 200 rest-json response. */
export function restJsonOutput(op: OperationSpec): SyncMiddleware {
  return {
    name: 'restJsonOutput',
    after: (request) => {
      request.response = successResult(op.name, request.response as object | undefined, requestIdOf(request.event, request.context)) satisfies SyncHttpResult;
    },
  };
}
