/**
 * Drop-in mode in the synthesized stack (`-c dropIn=true`): the relay and the second API with only
 * the identity-callable routes, no authorizer, throttling and access logs; least privilege on the key
 * table and the KMS key; cdk-nag clean with reasons. Bundling skipped, as in stack.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { OPERATION_LIST, routeKey } from '../../lambdas/src/operations';
import { identityOperations } from '../../lib/access';
import { CognitoSyncStack, type CognitoSyncStackProps } from '../../lib/sync-stack';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk CloudFormation JSON whose shape each assertion states.
type Json = Record<string, any>;

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

function synth(props: CognitoSyncStackProps = {}, nag = false): { stack: CognitoSyncStack; template: Template } {
  const { '@aws-cdk/core:annotationsInValidationReport': _, ...context } = CDK_JSON.context;
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CognitoSyncStack(app, 'OpenCognitoSync', { env: { account: '111111111111', region: 'us-east-1' }, ...props });
  if (nag) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { stack, template: Template.fromStack(stack) };
}

const id = (stack: CognitoSyncStack, construct: IConstruct): string => stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnFunction);

/** Every statement of the policies attached to a role. */
function statementsOf(stack: CognitoSyncStack, template: Template, fn: { role?: IConstruct }): Json[] {
  const roleId = id(stack, fn.role as IConstruct);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: Json) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId))
    .flatMap((p: Json) => p.Properties.PolicyDocument.Statement as Json[]);
}

const actionsOf = (statements: Json[]): string[] => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('drop-in mode in the stack', () => {
  const { stack, template } = synth({ dropIn: true });
  const dropIn = stack.dropIn;
  if (!dropIn) throw new Error('dropIn: true made no DropInMode');
  const dropInApiId = id(stack, dropIn.api);
  const keyTableRef = { 'Fn::GetAtt': [id(stack, dropIn.keyTable), 'Arn'] };
  const keyRef = { 'Fn::GetAtt': [id(stack, dropIn.key), 'Arn'] };

  it('is off by default: no relay, no second API, no key', () => {
    const plain = synth().template;
    expect(Object.keys(plain.findResources('AWS::ApiGatewayV2::Api'))).toHaveLength(1);
    expect(Object.keys(plain.findResources('AWS::KMS::Key'))).toHaveLength(0);
  });

  it('serves the identity-callable operations, the relay at POST / and $default, all without an authorizer; no developer operation', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).filter((r: Json) => r.Properties.ApiId.Ref === dropInApiId) as Json[];
    const keys = routes.map((r) => r.Properties.RouteKey).sort();
    expect(keys).toEqual([...identityOperations().map(routeKey), 'POST /', '$default'].sort());
    for (const r of routes) expect(r.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
    const developerKeys = OPERATION_LIST.filter((op) => op.callers === 'developer').map(routeKey);
    for (const key of developerKeys) expect(keys).not.toContain(key);
  });

  it('has stage throttling and an access log', () => {
    const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')).filter((s: Json) => s.Properties.ApiId.Ref === dropInApiId) as Json[];
    expect(stages).toHaveLength(1);
    expect(stages[0].Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
    expect(stages[0].Properties.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [id(stack, dropIn.accessLog), 'Arn'] });
  });

  it('the relay: its own key table items only (put K# and I#, read I#), kms:Encrypt only, nothing of the sync table', () => {
    const statements = statementsOf(stack, template, dropIn.relay).filter((s) => !actionsOf([s]).some((a) => a.startsWith('logs:')));
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:PutItem',
        Resource: keyTableRef,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['K#*', 'I#*'] } },
      }),
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Resource: keyTableRef,
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['I#*'] } },
      }),
      expect.objectContaining({ Action: 'kms:Encrypt', Resource: keyRef }),
    ]);
    const env = (template.findResources('AWS::Lambda::Function')[id(stack, dropIn.relay)] as Json).Properties.Environment.Variables;
    expect(env).toMatchObject({ SYNC_DROP_IN_KEY_TABLE: { Ref: id(stack, dropIn.keyTable) }, SYNC_DROP_IN_KMS_KEY_ID: keyRef });
    expect(env).not.toHaveProperty('SYNC_TABLE_NAME');
  });

  it('the verifiers (identity-callable functions) may read K# items and kms:Decrypt; the developer functions neither', () => {
    for (const spec of OPERATION_LIST) {
      const statements = statementsOf(stack, template, stack.api.operations[spec.name].function);
      const onKeys = statements.filter(
        (s) => JSON.stringify(s.Resource) === JSON.stringify(keyTableRef) || JSON.stringify(s.Resource) === JSON.stringify(keyRef),
      );
      if (spec.callers === 'developer') {
        expect(onKeys, spec.name).toEqual([]);
        expect(actionsOf(statements), spec.name).not.toContain('kms:Decrypt');
      } else {
        expect(onKeys, spec.name).toEqual([
          expect.objectContaining({
            Action: 'dynamodb:GetItem',
            Resource: keyTableRef,
            Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['K#*'] } },
          }),
          expect.objectContaining({ Action: 'kms:Decrypt', Resource: keyRef }),
        ]);
      }
      expect(actionsOf(statements), spec.name).not.toContain('kms:Encrypt');
    }
  });

  it('keeps the keys with a TTL at expiry, and the KMS key rotates', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const outputs = Object.values(template.findOutputs('*')) as Json[];
    expect(outputs.filter((o) => /^Drop-in endpoint/.test(o.Description))).toHaveLength(1);
  });

  it.each([
    ['drop-in', { dropIn: true }],
    ['drop-in with tracing and a created pool', { dropIn: true, tracing: true, createIdentityPool: true }],
  ] as [string, CognitoSyncStackProps][])('cdk-nag AwsSolutions: no unsuppressed finding (%s)', (_, props) => {
    const nagged = synth(props, true).stack;
    const annotations = Annotations.fromStack(nagged);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ].map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
    expect(findings).toEqual([]);
  });
});

/** bin/app.ts as `cdk synth -c ...` runs it (CDK_CONTEXT_JSON, CDK_OUTDIR), bundling skipped: its template. */
async function appTemplate(context: Record<string, unknown>): Promise<{ Resources: Record<string, Json> }> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'drop-in-app-'));
  try {
    const root = path.join(__dirname, '..', '..');
    await promisify(execFile)(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'bin', 'app.ts')], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [], ...context }),
      },
    });
    return JSON.parse(await readFile(path.join(outdir, 'OpenCognitoSync.template.json'), 'utf8')) as { Resources: Record<string, Json> };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

describe('bin/app.ts context dropIn', () => {
  const count = (template: { Resources: Record<string, Json> }, type: string) => Object.values(template.Resources).filter((r) => r.Type === type).length;

  it('-c dropIn=true synthesizes the relay and the second API; without it, neither', async () => {
    const [on, off] = await Promise.all([appTemplate({ dropIn: 'true' }), appTemplate({})]);
    expect(count(on, 'AWS::ApiGatewayV2::Api')).toBe(2);
    expect(count(off, 'AWS::ApiGatewayV2::Api')).toBe(1);
    expect(count(on, 'AWS::Lambda::Function') - count(off, 'AWS::Lambda::Function')).toBe(1);
    expect(count(on, 'AWS::KMS::Key')).toBe(1);
    expect(Object.values(on.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === 'POST /')).toHaveLength(1);
  }, 120_000);
});
