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
import type { CfnIdentityPool } from 'aws-cdk-lib/aws-cognito';
import { Effect, OpenIdConnectProvider, Policy, PolicyStatement, Role, SamlProvider, type IRole } from 'aws-cdk-lib/aws-iam';
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
  /** How users of a created pool sign in. @default none: only guests, if allowed */
  readonly loginProviders?: IdentityPoolLoginProviders;
}

/** A Cognito user pool app client whose ID tokens the created pool accepts. */
export interface UserPoolClientLogin {
  /** `cognito-idp.<region>.amazonaws.com/<user pool id>` */
  readonly providerName: string;
  readonly clientId: string;
  /** Ask the user pool whether the token was revoked (a call per login). @default true */
  readonly serverSideTokenCheck?: boolean;
}

/** The sign-in providers of a created identity pool (the `Logins` map keys apps send). */
export interface IdentityPoolLoginProviders {
  readonly userPoolClients?: readonly UserPoolClientLogin[];
  /** Developer-authenticated identities (`GetOpenIdTokenForDeveloperIdentity`): your backend's provider name. */
  readonly developerProviderName?: string;
  /** IAM OIDC identity providers, by ARN. */
  readonly openIdConnectProviderArns?: readonly string[];
  /** IAM SAML providers, by ARN. */
  readonly samlProviderArns?: readonly string[];
}

const USER_POOL_PROVIDER = /^cognito-idp\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[\w-]+_[0-9a-zA-Z]+$/;

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
    const logins = props.loginProviders ?? {};
    const hasLogins =
      (logins.userPoolClients?.length ?? 0) + (logins.openIdConnectProviderArns?.length ?? 0) + (logins.samlProviderArns?.length ?? 0) > 0 ||
      Boolean(logins.developerProviderName);
    if (hasLogins && !props.createIdentityPool) {
      throw new Error('Login providers are for a created identity pool (createIdentityPool); an existing pool keeps its own');
    }

    const roles: IRole[] = [];
    if (props.createIdentityPool) {
      this.identityPool = new IdentityPool(this, 'IdentityPool', {
        allowUnauthenticatedIdentities: props.allowUnauthenticatedIdentities ?? false,
        authenticationProviders: {
          customProvider: logins.developerProviderName,
          openIdConnectProviders: logins.openIdConnectProviderArns?.map((arn, i) =>
            OpenIdConnectProvider.fromOpenIdConnectProviderArn(this, `OidcProvider${i}`, arn),
          ),
          samlProviders: logins.samlProviderArns?.map((arn, i) => SamlProvider.fromSamlProviderArn(this, `SamlProvider${i}`, arn)),
        },
      });
      // User pool clients by provider name, as CloudFormation takes them: the L2 wants an IUserPool,
      // and an imported one would assume the pool lives in this stack's region.
      const clients = logins.userPoolClients ?? [];
      for (const c of clients) {
        if (!USER_POOL_PROVIDER.test(c.providerName)) {
          throw new Error(`User pool provider name must be cognito-idp.<region>.amazonaws.com/<user pool id>, not ${c.providerName}`);
        }
      }
      if (clients.length > 0) {
        (this.identityPool.node.defaultChild as CfnIdentityPool).cognitoIdentityProviders = clients.map((c) => ({
          providerName: c.providerName,
          clientId: c.clientId,
          serverSideTokenCheck: c.serverSideTokenCheck ?? true,
        }));
      }
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
