/**
 * Who counts as a developer. API Gateway's IAM authorizer only proves that a request was signed by
 * some principal allowed to `execute-api:Invoke`; which of those principals may act for every
 * identity is decided here, and it fails closed:
 *
 * 1. `cognitoIdentity` in the authorizer context: an identity (the caller reaches its own data only).
 * 2. otherwise, a session of one of the identity pool roles the stack knows
 *    (`arn:<partition>:sts::<account>:assumed-role/<pool role>/<session>`): `AccessDeniedException`.
 *    Those roles belong to end users; without `cognitoIdentity` the request cannot be tied to an
 *    identity, and must never fall through to developer.
 * 3. otherwise, a `userArn` matching the developer allowlist: a developer.
 * 4. anything else: `AccessDeniedException`.
 *
 * Configuration: `callers` of the config (../config.ts: `SYNC_DEVELOPER_PRINCIPALS`, comma-separated
 * principal ARN patterns where `*` matches any run of characters, and `SYNC_IDENTITY_ROLE_NAMES`, the
 * identity pool roles). The stack sets them on every function; the local server builds its own
 * policy and injects it (lambdas/local/http/dispatch.ts `createDispatch`). Missing configuration means no
 * developers at all.
 */

import { processConfig, type CallersConfig } from '../config';

/** The parts of `requestContext.authorizer.iam` the policy reads. */
export interface CallerOfRequest {
  readonly userArn?: string | null;
  readonly cognitoIdentity?: unknown;
}

export type CallerKind = 'identity' | 'developer';

export type CallerDecision = { readonly allowed: true; readonly kind: CallerKind } | { readonly allowed: false; readonly reason: string };

const ASSUMED_ROLE = /^arn:[^:]+:sts::[^:]*:assumed-role\/([^/]+)\//;

/** `*` matches any run of characters (slashes included, as in IAM ARN patterns); nothing else is special. */
export function arnPattern(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

export class CallerPolicy {
  private readonly developerPatterns: readonly RegExp[];
  private readonly identityRoles: ReadonlySet<string>;

  constructor(developerPrincipals: readonly string[], identityRoleNames: readonly string[]) {
    this.developerPatterns = developerPrincipals.map(arnPattern);
    this.identityRoles = new Set(identityRoleNames);
  }

  static fromConfig(callers: CallersConfig): CallerPolicy {
    return new CallerPolicy(callers.developerPrincipals, callers.identityRoleNames);
  }

  decide(caller: CallerOfRequest): CallerDecision {
    if (caller.cognitoIdentity) return { allowed: true, kind: 'identity' };
    const userArn = typeof caller.userArn === 'string' ? caller.userArn : '';
    const role = ASSUMED_ROLE.exec(userArn)?.[1];
    if (role !== undefined && this.identityRoles.has(role)) {
      return { allowed: false, reason: `A session of the identity pool role ${role} without a Cognito identity is not a developer.` };
    }
    if (userArn !== '' && this.developerPatterns.some((p) => p.test(userArn))) return { allowed: true, kind: 'developer' };
    return { allowed: false, reason: `${userArn || 'The caller'} is not an allowed developer of this endpoint.` };
  }
}

let current: CallerPolicy | undefined;

/** The policy of this process's configuration (`processConfig()`), built on first use. */
export function callerPolicy(): CallerPolicy {
  current ??= CallerPolicy.fromConfig(processConfig().callers);
  return current;
}
