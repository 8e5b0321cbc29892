/**
 * The cdk-nag AwsSolutions findings this stack accepts, each with its reason, narrowed to the
 * finding (`applies_to`) where the rule reports one. test/infra/nag.test.ts runs the pack and fails
 * on any finding not suppressed here, so a new finding needs either a fix or a reason.
 *
 * Written as the `cdk_nag` resource metadata cdk-nag reads, so the stack does not depend on
 * cdk-nag (a development tool) at synth time, and whoever runs the pack on this stack in their own
 * pipeline sees the same reasons.
 */
import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { DropInMode } from './drop-in';
import type { IdentityCallers } from './identity-callers';
import type { SyncApi } from './sync-api';

export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** Findings of the rule this covers (`Resource::*`, or `{ regex: '/.../' }`); all when absent. */
  readonly appliesTo?: readonly (string | { readonly regex: string })[];
}

/** Adds suppressions to a construct's CloudFormation resource (its default child, or itself). */
export function suppressNag(construct: IConstruct, suppressions: readonly NagSuppression[]): void {
  const resource = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(resource instanceof CfnResource)) throw new Error(`${construct.node.path} has no CloudFormation resource to annotate`);
  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined)?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', {
    rules_to_suppress: [...existing, ...suppressions.map((s) => ({ id: s.id, reason: s.reason, ...(s.appliesTo ? { applies_to: s.appliesTo } : {}) }))],
  });
}

const NODE_RUNTIME: NagSuppression = {
  id: 'AwsSolutions-L1',
  reason:
    'Node.js 22 is pinned on purpose: the bundles are built for node22 (lib/bundling.ts NODE_TARGET) and tested on it; ' +
    'moving to a newer runtime is a deliberate change of both, not a drift to the latest.',
};

const XRAY_WILDCARD: NagSuppression = {
  id: 'AwsSolutions-IAM5',
  reason:
    'With tracing on, Lambda adds xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level ' +
    'permissions (Resource must be *). Every other statement names its table, index, secret or log group.',
  appliesTo: ['Resource::*'],
};

const COGNITO_IDENTITY_LIST: NagSuppression = {
  id: 'AwsSolutions-IAM5',
  reason:
    "ListIdentityPoolUsage lists the account's identity pools with cognito-identity:ListIdentityPools, which has no " +
    "resource-level permissions (Resource must be *). Only that function is granted it (the operation table's identityPoolActions).",
  appliesTo: ['Resource::*'],
};

export function suppressAcceptedFindings(api: SyncApi, tokenKey: IConstruct, identityCallers: IdentityCallers, tracing: boolean, dropIn?: DropInMode): void {
  if (dropIn) suppressDropInFindings(dropIn, tracing);
  for (const fn of [...api.operationFunctions, api.unknownRoute]) {
    suppressNag(fn, [NODE_RUNTIME]);
    const policy = fn.role?.node.tryFindChild('DefaultPolicy');
    if (tracing && policy) suppressNag(policy, [XRAY_WILDCARD]);
  }
  for (const { spec, function: fn } of Object.values(api.operations)) {
    const policy = fn.role?.node.tryFindChild('DefaultPolicy');
    if (spec.identityPoolActions && policy) suppressNag(policy, [COGNITO_IDENTITY_LIST]);
  }

  if (api.preflightRoute) {
    suppressNag(api.preflightRoute, [
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Browsers send CORS preflights (OPTIONS) unsigned by design, so this route cannot require SigV4. It only ' +
          'answers preflights (and 404 otherwise), reads no data, and is throttled with the stage; every other route is IAM-authorized.',
      },
    ]);
  }

  suppressNag(tokenKey, [
    {
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is the HMAC key of SyncSessionTokens and NextTokens, which live at most an hour and are read once per ' +
        'cold start. Rotating it would invalidate every sync session and page token in flight (clients see ' +
        'InvalidParameterException mid-sync) until containers restart; it protects no stored data, so it is not rotated. ' +
        'Replace it by hand (put a new random value) if it leaks.',
    },
  ]);

  const invoke = identityCallers.node.tryFindChild('InvokeSync');
  if (invoke) {
    suppressNag(invoke, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'execute-api ARNs of the identity routes: `*` stands for the stage and for the pool, identity and dataset labels ' +
          "of each route, which differ per caller. The functions refuse any identity but the caller's own (NotAuthorizedException).",
        appliesTo: [{ regex: '/^Resource::arn:.*execute-api:.*\\/\\*\\/(GET|POST|DELETE)\\/identitypools\\/\\*\\/.*$/' }],
      },
    ]);
  }

  if (identityCallers.identityPool) {
    suppressNag(identityCallers.identityPool, [
      {
        id: 'AwsSolutions-COG7',
        reason:
          'Only when allowUnauthenticatedIdentities is set: guest identities that sync before signing in are a Cognito ' +
          'Sync use case. What a guest can store and send is bounded (README "Abuse limits").',
      },
    ]);
  }
}

/** Drop-in mode (lib/drop-in.ts): routes without an API Gateway authorizer by design. */
function suppressDropInFindings(dropIn: DropInMode, tracing: boolean): void {
  for (const route of dropIn.routes) {
    suppressNag(route, [
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Drop-in mode: apps sign for cognito-sync, which API Gateway cannot verify, so the function verifies the SigV4 ' +
          'itself (lambdas/src/drop-in/drop-in-authenticator.ts: body hash, clock skew, session token hash) against the key the ' +
          'relay stored, and refuses anything else with the AWS error. Only identity-callable operations have a route here.',
      },
    ]);
  }
  suppressNag(dropIn.relayRoute, [
    {
      id: 'AwsSolutions-APIG4',
      reason:
        "Cognito Identity's GetId, GetCredentialsForIdentity and GetOpenIdToken are unsigned on AWS too; the relay forwards them to " +
        'Cognito Identity, which authenticates the logins. It answers nothing of its own and is throttled with the stage.',
    },
  ]);
  suppressNag(dropIn.defaultRoute, [
    {
      id: 'AwsSolutions-APIG4',
      reason: 'Answers UnknownOperationException (404) to requests no route takes, and CORS preflights; reads no data.',
    },
  ]);
  suppressNag(dropIn.relay, [NODE_RUNTIME]);
  const policy = dropIn.relay.role?.node.tryFindChild('DefaultPolicy');
  if (tracing && policy) suppressNag(policy, [XRAY_WILDCARD]);
  suppressNag(dropIn.keyTable, [
    {
      id: 'AwsSolutions-DDB3',
      reason:
        'The drop-in key table holds derived signing keys that expire within the hour (TTL); a restored copy would only hold ' +
        'expired keys, and the relay writes them again at the next GetCredentialsForIdentity. Nothing to recover.',
    },
  ]);
}
