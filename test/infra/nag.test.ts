/**
 * cdk-nag's AwsSolutions pack over the stack in the configurations that add resources (a created
 * pool with guests and sign-in providers, tracing, alarm email; an existing pool's roles; CORS
 * off). No finding may be left without a suppression, and every suppression carries a reason
 * (lib/nag-suppressions.ts).
 *
 * cdk.json's `annotationsInValidationReport` turns error annotations into a failed synth; here they
 * stay annotations, so that the test can list them all.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Aspects, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { CognitoSyncStack, type CognitoSyncStackProps } from '../../lib/sync-stack';

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

function nagged(props: CognitoSyncStackProps): Stack {
  const { '@aws-cdk/core:annotationsInValidationReport': _, ...context } = CDK_JSON.context;
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CognitoSyncStack(app, 'OpenCognitoSync', { env: { account: '111111111111', region: 'us-east-1' }, ...props });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return stack;
}

const findings = (stack: Stack): string[] => {
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))].map(
    (m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`,
  );
};

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the default stack', {}],
    [
      'a created pool with guests and sign-in providers, tracing, alarm email',
      {
        createIdentityPool: true,
        allowUnauthenticatedIdentities: true,
        tracing: true,
        alarmEmail: 'ops@example.com',
        loginProviders: {
          userPoolClients: [{ providerName: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123', clientId: '1example23456789' }],
          developerProviderName: 'login.example.app',
          openIdConnectProviderArns: ['arn:aws:iam::111111111111:oidc-provider/accounts.example.com'],
          samlProviderArns: ['arn:aws:iam::111111111111:saml-provider/Corp'],
        },
      },
    ],
    [
      "an existing pool's roles, reserved concurrency",
      { authenticatedRoleName: 'Cognito_AppAuth_Role', unauthenticatedRoleName: 'Cognito_AppUnauth_Role', reservedConcurrency: 50 },
    ],
    ['CORS off', { corsAllowOrigins: [] }],
  ] as [string, CognitoSyncStackProps][])('leaves no unsuppressed error or warning: %s', (_, props) => {
    expect(findings(nagged(props))).toEqual([]);
  });

  it('gives every suppression a reason', () => {
    const stack = nagged({ createIdentityPool: true, allowUnauthenticatedIdentities: true, tracing: true });
    const template = Template.fromStack(stack).toJSON();
    const suppressions = Object.values(
      template.Resources as Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress: { id: string; reason: string }[] } } }>,
    ).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThan(40);
  });
});
