/**
 * Cognito Identity callers: the authenticated and unauthenticated roles of an identity pool may
 * invoke the routes of the operations that accept identity credentials (callers `identity` or
 * `both` in the operation table), and no other. The roles are those of an existing pool, named in
 * the stack's properties, or those of a pool this construct creates when asked.
 *
 * The functions check the rest: an identity reaches only its own pool and identity id (403
 * `NotAuthorizedException` otherwise). README.md ("Deploy to AWS") shows an IAM policy that enforces the same
 * at API Gateway, for who wants both.
 */
import { Stack } from 'aws-cdk-lib';
import { Effect, Policy, PolicyStatement, Role, type IRole } from 'aws-cdk-lib/aws-iam';
import { IdentityPool } from 'aws-cdk-lib/aws-cognito-identitypool';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';
import { identityOperations, routeResource } from './access';

export interface IdentityCallersProps {
  readonly api: IHttpApi;
  /** Authenticated role of an existing identity pool. */
  readonly authenticatedRoleName?: string;
  /** Unauthenticated role of an existing identity pool. */
  readonly unauthenticatedRoleName?: string;
  /** Create an identity pool (and its two roles) instead. Excludes the role names. */
  readonly createIdentityPool?: boolean;
  /** For a created pool. @default false */
  readonly allowUnauthenticatedIdentities?: boolean;
}

export class IdentityCallers extends Construct {
  /** The roles granted, in order authenticated, unauthenticated (those that exist). */
  readonly roles: readonly IRole[];
  readonly identityPool?: IdentityPool;
  /** The execute-api:Invoke statement the roles get. */
  readonly invokeStatement: PolicyStatement;

  constructor(scope: Construct, id: string, props: IdentityCallersProps) {
    super(scope, id);
    const named = props.authenticatedRoleName !== undefined || props.unauthenticatedRoleName !== undefined;
    if (props.createIdentityPool && named) {
      throw new Error('Give either the role names of an existing identity pool or createIdentityPool, not both');
    }

    const roles: IRole[] = [];
    if (props.createIdentityPool) {
      this.identityPool = new IdentityPool(this, 'IdentityPool', {
        allowUnauthenticatedIdentities: props.allowUnauthenticatedIdentities ?? false,
      });
      roles.push(this.identityPool.authenticatedRole, this.identityPool.unauthenticatedRole);
    } else {
      if (props.authenticatedRoleName) roles.push(Role.fromRoleName(this, 'AuthenticatedRole', props.authenticatedRoleName));
      if (props.unauthenticatedRoleName) roles.push(Role.fromRoleName(this, 'UnauthenticatedRole', props.unauthenticatedRoleName));
    }
    this.roles = roles;

    const stack = Stack.of(this);
    const apiArn = stack.formatArn({ service: 'execute-api', resource: props.api.apiId });
    this.invokeStatement = new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['execute-api:Invoke'],
      resources: identityOperations().map((op) => `${apiArn}/${routeResource(op)}`),
    });
    if (roles.length > 0) {
      new Policy(this, 'InvokeSync', { roles, statements: [this.invokeStatement] });
    }
  }
}
