/**
 * The synthesized template, with `aws-cdk-lib/assertions`: one route and one function per operation
 * of the table with IAM auth, the table (docs/decisions.md#one-table-one-partition-per-identity;
 * the same definition the local runtime creates), least-privilege policies from the table's access
 * classes, the token key, identity callers, alarms and outputs.
 *
 * Bundling is skipped here (the stacks synthesize in seconds); test/infra/synth.test.ts runs the
 * real `cdk synth` with bundling, and test/infra/bundles.test.ts runs the bundles.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition, TABLE_KEYS } from '../../lambdas/src/adapters/dynamodb/table-schema';
import { OPERATION_LIST, OPERATIONS, routeKey, type OperationName } from '../../lambdas/src/operations';
import { identityOperations, routeResource, TABLE_ACTIONS, WRITE_ONLY_ACTIONS } from '../../lib/access';
import { CognitoSyncStack, type CognitoSyncStackProps } from '../../lib/sync-stack';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk CloudFormation JSON whose shape each assertion states.
type Json = Record<string, any>;

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

/** The stack as `cdk synth` builds it (cdk.json's feature flags), without bundling the functions. */
function synth(props: CognitoSyncStackProps = {}): { stack: CognitoSyncStack; template: Template } {
  const app = new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new CognitoSyncStack(app, 'OpenCognitoSync', { env: { account: '111111111111', region: 'us-east-1' }, ...props });
  return { stack, template: Template.fromStack(stack) };
}

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }): string => stack.getLogicalId(construct.node.defaultChild as CfnFunction);

function resourcesOf(template: Template, type: string): [string, Json][] {
  return Object.entries(template.findResources(type));
}

/** The statements of the role policy attached to a function's role. */
function functionStatements(stack: CognitoSyncStack, template: Template, name: OperationName): Json[] {
  const fn = stack.api.operations[name].function;
  const roleId = stack.getLogicalId(fn.role!.node.defaultChild as CfnFunction);
  const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(([, p]) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId));
  expect(policies, name).toHaveLength(1);
  return policies[0][1].Properties.PolicyDocument.Statement as Json[];
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** A function may write to its own log group, and nowhere else. */
const logStatement = (logGroupId: string): Json => ({
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Effect: 'Allow',
  Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
});

describe('default stack', () => {
  let stack: CognitoSyncStack;
  let template: Template;
  let tableId: string;
  let secretId: string;

  beforeAll(() => {
    ({ stack, template } = synth());
    tableId = stack.getLogicalId(stack.table.table.node.defaultChild as CfnFunction);
    secretId = stack.getLogicalId(stack.tokenKey.node.defaultChild as CfnFunction);
  });

  it("has one IAM-authorized route per operation, to that operation's function, payload 2.0", () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    // Two more routes, the $default and the preflight route, sharing one more integration (tests below).
    template.resourceCountIs('AWS::ApiGatewayV2::Route', OPERATION_LIST.length + 2);
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', OPERATION_LIST.length + 1);
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route');
    for (const op of OPERATION_LIST) {
      const matching = routes.filter(([, r]) => r.Properties.RouteKey === routeKey(op));
      expect(matching, op.name).toHaveLength(1);
      const route = matching[0][1].Properties;
      expect(route.AuthorizationType, op.name).toBe('AWS_IAM');
      const integrationId = (route.Target['Fn::Join'][1] as unknown[])[1] as Json;
      const integration = integrations[integrationId.Ref].Properties;
      expect(integration).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      expect(integration.IntegrationUri).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.api.operations[op.name].function), 'Arn'] });
    }
  });

  it('sends requests no operation takes to a function that answers UnknownOperationException, IAM-authorized, granted only its log group', () => {
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.RouteKey === '$default');
    expect(routes).toHaveLength(1);
    const route = routes[0][1].Properties;
    expect(route.AuthorizationType).toBe('AWS_IAM');
    const integrationId = (route.Target['Fn::Join'][1] as unknown[])[1] as Json;
    const integration = template.findResources('AWS::ApiGatewayV2::Integration')[integrationId.Ref].Properties;
    expect(integration.IntegrationUri).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.api.unknownRoute), 'Arn'] });
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.api.unknownRoute)];
    expect(fn.Properties.Environment.Variables).toEqual({ NODE_OPTIONS: '--enable-source-maps', SYNC_CORS_ALLOW_ORIGINS: '*' });
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([logStatement(fn.Properties.LoggingConfig.LogGroup.Ref as string)]);
    expect(template.findResources('AWS::IAM::Role')[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("answers browsers' unsigned preflights: OPTIONS /{proxy+} without authorization, to the unknown-route function", () => {
    const routes = resourcesOf(template, 'AWS::ApiGatewayV2::Route');
    const preflight = routes.filter(([, r]) => r.Properties.RouteKey === 'OPTIONS /{proxy+}');
    expect(preflight).toHaveLength(1);
    const route = preflight[0][1].Properties;
    // `$default` (IAM) would catch OPTIONS otherwise, and the authorizer refuses every unsigned preflight.
    expect(route.AuthorizationType).toBe('NONE');
    const integrationId = (route.Target['Fn::Join'][1] as unknown[])[1] as Json;
    const integration = template.findResources('AWS::ApiGatewayV2::Integration')[integrationId.Ref].Properties;
    expect(integration.IntegrationUri).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.api.unknownRoute), 'Arn'] });
    // It is the only route without a signature.
    expect(routes.filter(([, r]) => r.Properties.AuthorizationType !== 'AWS_IAM').map(([, r]) => r.Properties.RouteKey)).toEqual(['OPTIONS /{proxy+}']);
    // API Gateway answers the preflight from this configuration; OPTIONS itself need not be allowed.
    const api = Object.values(template.findResources('AWS::ApiGatewayV2::Api'))[0].Properties;
    expect(api.CorsConfiguration).toMatchObject({ AllowOrigins: ['*'], AllowMethods: ['GET', 'POST', 'DELETE'], MaxAge: 600 });
  });

  it('throttles the stage (1000 rps, burst 2000) and logs every request to an access log with retention, kept with the data', () => {
    const stages = resourcesOf(template, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const [stageId, stageResource] = stages[0];
    // The stage HttpApi made before, at the same path: an update, not a second `$default` stage.
    expect(stageId).toBe(stack.getLogicalId(stack.api.stage.node.defaultChild as CfnFunction));
    expect(stack.api.stage.node.path).toBe('OpenCognitoSync/Sync/HttpApi/DefaultStage');
    const stage = stageResource.Properties;
    expect(stage).toMatchObject({ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 } });
    const logId = stack.getLogicalId(stack.api.accessLog.node.defaultChild as CfnFunction);
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logId, 'Arn'] });
    const format = JSON.parse(stage.AccessLogSettings.Format as string) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      caller: '$context.identity.userArn',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latencyMs: '$context.responseLatency',
      errorType: '$context.error.responseType',
    });
    const log = template.findResources('AWS::Logs::LogGroup')[logId];
    expect(log.Properties.RetentionInDays).toBe(30);
    expect(log.DeletionPolicy).toBe('Retain');
  });

  it('reserves no concurrency unless told', () => {
    for (const [, fn] of resourcesOf(template, 'AWS::Lambda::Function')) expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it("names the developers (default: the account's users, assumed roles and root) and the pool roles on every operation function", () => {
    for (const op of OPERATION_LIST) {
      const vars = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.api.operations[op.name].function)].Properties.Environment
        .Variables as Json;
      expect(stack.resolve(vars.SYNC_DEVELOPER_PRINCIPALS), op.name).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':iam::',
            { Ref: 'AWS::AccountId' },
            ':user/*,arn:',
            { Ref: 'AWS::Partition' },
            ':sts::',
            { Ref: 'AWS::AccountId' },
            ':assumed-role/*,arn:',
            { Ref: 'AWS::Partition' },
            ':iam::',
            { Ref: 'AWS::AccountId' },
            ':root',
          ],
        ],
      });
      expect(vars.SYNC_IDENTITY_ROLE_NAMES, op.name).toBe('');
    }
  });

  it('has one function per operation: its handler, Node.js 22 on arm64, configured for the table and the key', () => {
    // Besides the operations: the unknown route, the change feed (test/infra/change-feed.test.ts) and the
    // BulkPublish worker (test/infra/cognito-streams.test.ts).
    template.resourceCountIs('AWS::Lambda::Function', OPERATION_LIST.length + 3);
    for (const op of OPERATION_LIST) {
      const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.api.operations[op.name].function)];
      expect(fn, op.name).toBeDefined();
      expect(fn.Properties).toMatchObject({
        Handler: 'index.handler',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Timeout: 29,
        LoggingConfig: { LogFormat: 'JSON' },
        Environment: {
          Variables: {
            SYNC_TABLE_NAME: { Ref: tableId },
            SYNC_TOKEN_KEY_SECRET_ARN: { Ref: secretId },
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'open-cognito-sync',
            POWERTOOLS_METRICS_NAMESPACE: 'OpenCognitoSync',
          },
        },
      });
      expect(fn.Properties.Description).toContain(`${op.name}:`);
      expect(fn.Properties.TracingConfig?.Mode ?? 'PassThrough').toBe('PassThrough');
    }
  });

  it('has the table of tableDefinition: keys, index, stream; on demand, TTL, PITR, deletion protection, retained', () => {
    const def = tableDefinition('x');
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const table = template.findResources('AWS::DynamoDB::Table')[tableId];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    const p = table.Properties;
    expect(p.KeySchema).toEqual(def.KeySchema);
    expect([...p.AttributeDefinitions].sort((a: Json, b: Json) => a.AttributeName.localeCompare(b.AttributeName))).toEqual(
      [...def.AttributeDefinitions!].sort((a, b) => a.AttributeName!.localeCompare(b.AttributeName!)),
    );
    expect(p.LocalSecondaryIndexes).toEqual(def.LocalSecondaryIndexes);
    expect(p.LocalSecondaryIndexes[0]).toMatchObject({ IndexName: TABLE_KEYS.bySyncCountIndex });
    expect(p.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(p).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: TABLE_KEYS.timeToLive, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(p.TableName).toBeUndefined();
  });

  it('grants each function the table actions of its access class on the table and its index by name, the key, and its own log group', () => {
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const indexArn = { 'Fn::Join': ['', [tableArn, `/index/${TABLE_KEYS.bySyncCountIndex}`]] };
    for (const op of OPERATION_LIST) {
      const statements = functionStatements(stack, template, op.name);
      const tableStatements = statements.filter((s) => asList(s.Action).some((a) => String(a).startsWith('dynamodb:')));
      expect(tableStatements, op.name).toHaveLength(1);
      expect(new Set(asList(tableStatements[0].Action)), op.name).toEqual(new Set(TABLE_ACTIONS[op.access]));
      expect(tableStatements[0].Resource).toEqual([tableArn, indexArn]);
      // Pool operations reach only `P#` partitions; the others are not narrowed by key.
      expect(tableStatements[0].Condition, op.name).toEqual(
        op.storeScope === 'pool' ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['P#*'] } } : undefined,
      );
      const actions = statements.flatMap((s) => asList(s.Action));
      if (op.access === 'read') {
        for (const write of WRITE_ONLY_ACTIONS) expect(actions, `${op.name} is read-only`).not.toContain(write);
      }
      expect(
        actions.some((a) => String(a).includes('*')),
        `${op.name}: no wildcard action`,
      ).toBe(false);
      expect(statements).toContainEqual({ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: secretId } });
      const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.api.operations[op.name].function)];
      expect(statements).toContainEqual(logStatement(fn.Properties.LoggingConfig.LogGroup.Ref as string));
      // The Cognito Identity actions of its entry, on '*' (they take no resource ARN); none for the others.
      const identityStatements = statements.filter((s) => asList(s.Action).some((a) => String(a).startsWith('cognito-identity:')));
      expect(identityStatements, op.name).toEqual(
        op.identityPoolActions
          ? [{ Action: op.identityPoolActions.length === 1 ? op.identityPoolActions[0] : op.identityPoolActions, Effect: 'Allow', Resource: '*' }]
          : [],
      );
      // UpdateRecords also invokes sync triggers (test/infra/sync-trigger-grant.test.ts); RegisterDevice
      // assumes the pool's push sync role (test/infra/push-sync-grant.test.ts); BulkPublish invokes its
      // worker (test/infra/cognito-streams.test.ts).
      expect(statements, op.name).toHaveLength(
        3 + identityStatements.length + (op.name === 'UpdateRecords' || op.name === 'RegisterDevice' || op.name === 'BulkPublish' ? 1 : 0),
      );
      // No AWSLambdaBasicExecutionRole: it may write every log group of the account.
      expect(template.findResources('AWS::IAM::Role')[fn.Properties.Role['Fn::GetAtt'][0]].Properties.ManagedPolicyArns, op.name).toBeUndefined();
    }
    // Some operation of each class exists, or the check above proves little.
    expect(OPERATION_LIST.some((op) => op.access === 'read')).toBe(true);
    expect(OPERATION_LIST.some((op) => op.access === 'write')).toBe(true);
    expect(OPERATIONS.ListIdentityPoolUsage.identityPoolActions).toEqual(['cognito-identity:ListIdentityPools']);
  });

  it('generates the token key in Secrets Manager', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
    });
  });

  it('alarms on API 5xx, function throttles and table throttles', () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Json);
    // And the failure queue alarms of the change feed (test/infra/change-feed.test.ts) and of the
    // BulkPublish worker (test/infra/cognito-streams.test.ts).
    expect(alarms).toHaveLength(OPERATION_LIST.length + 4);
    expect(alarms.filter((a) => a.Namespace === 'AWS/ApiGateway' && a.MetricName === '5xx')).toHaveLength(1);
    for (const op of OPERATION_LIST) {
      const fnId = logicalId(stack, stack.api.operations[op.name].function);
      const throttles = alarms.filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === 'Throttles' && a.Dimensions?.[0]?.Value?.Ref === fnId);
      expect(throttles, op.name).toHaveLength(1);
    }
    const table = alarms.filter((a) => JSON.stringify(a.Metrics ?? []).includes('ThrottledRequests'));
    expect(table).toHaveLength(1);
    for (const a of alarms) {
      expect(a).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1, TreatMissingData: 'notBreaching' });
      expect(a.AlarmActions).toBeUndefined();
    }
  });

  it('outputs the endpoint URL, the table name and the region', () => {
    const outputs = template.toJSON().Outputs as Json;
    expect(outputs.EndpointUrl.Value).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(stack.api.api.node.defaultChild as CfnFunction), 'ApiEndpoint'] });
    expect(outputs.TableName.Value).toEqual({ Ref: tableId });
    expect(outputs.Region.Value).toBe('us-east-1');
    expect(outputs.IdentityPoolId).toBeUndefined();
  });

  it('grants no identity role anything unless told', () => {
    template.resourceCountIs('AWS::Cognito::IdentityPool', 0);
    const invoke = resourcesOf(template, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p).includes('execute-api:Invoke'));
    expect(invoke).toHaveLength(0);
  });
});

describe('identity callers', () => {
  const identityRoutes = identityOperations().map((op) => routeResource(op));
  const developerOnly = OPERATION_LIST.filter((op) => op.callers === 'developer');

  function invokeResources(template: Template): string[] {
    const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p).includes('execute-api:Invoke'));
    expect(policies).toHaveLength(1);
    const [statement] = policies[0][1].Properties.PolicyDocument.Statement as Json[];
    expect(statement.Action).toBe('execute-api:Invoke');
    // Each resource is Fn::Join of [arn:...:<api id>, '/<stage>/<METHOD><path>'].
    return asList(statement.Resource).map((r) => {
      const parts = (r as Json)['Fn::Join'][1] as unknown[];
      return String(parts[parts.length - 1]).replace(/^\//, '');
    });
  }

  it("grants an existing pool's roles execute-api:Invoke on the identity routes only", () => {
    const { template } = synth({ authenticatedRoleName: 'Cognito_AppAuth_Role', unauthenticatedRoleName: 'Cognito_AppUnauth_Role' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'execute-api:Invoke' })] },
      Roles: ['Cognito_AppAuth_Role', 'Cognito_AppUnauth_Role'],
    });
    const resources = invokeResources(template);
    expect(new Set(resources)).toEqual(new Set(identityRoutes));
    expect(resources).toContain('*/GET/identitypools/*/identities/*/datasets/*/records');
    expect(resources).toContain('*/POST/identitypools/*/identities/*/datasets/*');
    for (const op of developerOnly) expect(resources, op.name).not.toContain(routeResource(op));
    template.resourceCountIs('AWS::Cognito::IdentityPool', 0);
  });

  it("tells the functions which roles are the pool's, so that they are never developers", () => {
    const named = synth({ authenticatedRoleName: 'Cognito_AppAuth_Role', unauthenticatedRoleName: 'Cognito_AppUnauth_Role' });
    const created = synth({ createIdentityPool: true });
    const pool = created.stack.identityCallers.identityPool!;
    const roleIds = [pool.authenticatedRole, pool.unauthenticatedRole].map((r) => created.stack.getLogicalId(r.node.defaultChild as CfnFunction));
    for (const op of OPERATION_LIST) {
      const vars = (s: { stack: CognitoSyncStack; template: Template }) =>
        s.template.findResources('AWS::Lambda::Function')[logicalId(s.stack, s.stack.api.operations[op.name].function)].Properties.Environment.Variables;
      expect(vars(named).SYNC_IDENTITY_ROLE_NAMES, op.name).toBe('Cognito_AppAuth_Role,Cognito_AppUnauth_Role');
      expect(vars(created).SYNC_IDENTITY_ROLE_NAMES, op.name).toEqual({ 'Fn::Join': ['', [{ Ref: roleIds[0] }, ',', { Ref: roleIds[1] }]] });
    }
  });

  it('gives a created pool the sign-in providers it is told: user pool clients, developer provider, OIDC, SAML', () => {
    const { template } = synth({
      createIdentityPool: true,
      loginProviders: {
        userPoolClients: [{ providerName: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123', clientId: '1example23456789' }],
        developerProviderName: 'login.example.app',
        openIdConnectProviderArns: ['arn:aws:iam::111111111111:oidc-provider/accounts.example.com'],
        samlProviderArns: ['arn:aws:iam::111111111111:saml-provider/Corp'],
      },
    });
    template.hasResourceProperties('AWS::Cognito::IdentityPool', {
      CognitoIdentityProviders: [
        { ProviderName: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123', ClientId: '1example23456789', ServerSideTokenCheck: true },
      ],
      DeveloperProviderName: 'login.example.app',
      OpenIdConnectProviderARNs: ['arn:aws:iam::111111111111:oidc-provider/accounts.example.com'],
      SamlProviderARNs: ['arn:aws:iam::111111111111:saml-provider/Corp'],
    });
    const { template: plain } = synth({ createIdentityPool: true });
    const props = Object.values(plain.findResources('AWS::Cognito::IdentityPool'))[0].Properties;
    expect(props.CognitoIdentityProviders ?? []).toEqual([]);
    expect(props.DeveloperProviderName).toBeUndefined();
  });

  it('refuses sign-in providers for an existing pool, and a malformed user pool provider name', () => {
    expect(() => synth({ authenticatedRoleName: 'x', loginProviders: { developerProviderName: 'login.example.app' } })).toThrow(/created identity pool/);
    expect(() => synth({ createIdentityPool: true, loginProviders: { userPoolClients: [{ providerName: 'us-east-1_AbCdEf123', clientId: 'c' }] } })).toThrow(
      /cognito-idp/,
    );
  });

  it('grants just the authenticated role when only it is named', () => {
    const { template } = synth({ authenticatedRoleName: 'Cognito_AppAuth_Role' });
    template.hasResourceProperties('AWS::IAM::Policy', { Roles: ['Cognito_AppAuth_Role'] });
  });

  it('creates an identity pool when asked, and grants its roles', () => {
    const { stack, template } = synth({ createIdentityPool: true });
    template.resourceCountIs('AWS::Cognito::IdentityPool', 1);
    template.hasResourceProperties('AWS::Cognito::IdentityPool', { AllowUnauthenticatedIdentities: false });
    template.resourceCountIs('AWS::Cognito::IdentityPoolRoleAttachment', 1);
    const pool = stack.identityCallers.identityPool!;
    const roleIds = [pool.authenticatedRole, pool.unauthenticatedRole].map((r) => stack.getLogicalId(r.node.defaultChild as CfnFunction));
    template.hasResourceProperties('AWS::IAM::Policy', { Roles: roleIds.map((id) => ({ Ref: id })) });
    expect(new Set(invokeResources(template))).toEqual(new Set(identityRoutes));
    expect(template.toJSON().Outputs.IdentityPoolId).toBeDefined();
  });

  it("refuses both an existing pool's roles and a created pool", () => {
    expect(() => synth({ createIdentityPool: true, authenticatedRoleName: 'x' })).toThrow(/either/);
  });
});

describe('options', () => {
  it('tracing: active tracing on every function, with the X-Ray permissions', () => {
    const { stack, template } = synth({ tracing: true });
    for (const op of OPERATION_LIST) {
      const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.api.operations[op.name].function)];
      expect(fn.Properties.TracingConfig, op.name).toEqual({ Mode: 'Active' });
      const actions = functionStatements(stack, template, op.name).flatMap((s) => asList(s.Action));
      expect(actions).toContain('xray:PutTraceSegments');
    }
  });

  it('retainData false: the table goes with the stack', () => {
    const { template } = synth({ retainData: false });
    const [[, table]] = resourcesOf(template, 'AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('alarmEmail: every alarm notifies the topic', () => {
    const { template } = synth({ alarmEmail: 'ops@example.com' });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    // The topic refuses publishing without TLS.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
    for (const [, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('throttling and reserved concurrency as props', () => {
    const { stack, template } = synth({ throttlingRateLimit: 50, throttlingBurstLimit: 100, reservedConcurrency: 20 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    for (const op of OPERATION_LIST) {
      const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.api.operations[op.name].function)];
      expect(fn.Properties.ReservedConcurrentExecutions, op.name).toBe(20);
    }
    const unknown = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.api.unknownRoute)];
    expect(unknown.Properties.ReservedConcurrentExecutions).toBe(10);
  });

  it('developerPrincipals replaces the default list', () => {
    const { stack, template } = synth({ developerPrincipals: ['arn:aws:iam::111111111111:user/ops-*', 'arn:aws:sts::111111111111:assumed-role/SyncAdmin/*'] });
    const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, stack.api.operations.ListRecords.function)];
    expect(fn.Properties.Environment.Variables.SYNC_DEVELOPER_PRINCIPALS).toBe(
      'arn:aws:iam::111111111111:user/ops-*,arn:aws:sts::111111111111:assumed-role/SyncAdmin/*',
    );
  });

  it('CORS for browser apps, with the signing headers', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['*'],
        AllowHeaders: Match.arrayWith(['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-client-context']),
        ExposeHeaders: Match.arrayWith(['x-amzn-RequestId', 'x-amzn-ErrorType']),
      }),
    });
    const { template: none } = synth({ corsAllowOrigins: [] });
    expect(Object.values(none.findResources('AWS::ApiGatewayV2::Api'))[0].Properties.CorsConfiguration).toBeUndefined();
  });
});

describe('stateful resource guard', () => {
  // CloudFormation replaces a table whose keys or local secondary indexes change: a new, empty
  // table, and with the retain policy the old one orphaned. If this fails, do not update the
  // expectation: read README.md "Changing the table" and migrate instead.
  const MIGRATE = 'The table would be REPLACED by an empty one. See README.md, "Changing the table", and migrate instead of changing this expectation.';

  it("pins the table's logical id, keys, attribute types and local secondary index", () => {
    const { template } = synth();
    const tables = resourcesOf(template, 'AWS::DynamoDB::Table');
    expect(
      tables.map(([id]) => id),
      MIGRATE,
    ).toEqual(['StoreTable0CCFA19B']);
    const p = tables[0][1].Properties;
    expect(p.KeySchema, MIGRATE).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
    expect(
      [...p.AttributeDefinitions].sort((a: Json, b: Json) => a.AttributeName.localeCompare(b.AttributeName)),
      MIGRATE,
    ).toEqual([
      { AttributeName: 'LSK', AttributeType: 'S' },
      { AttributeName: 'PK', AttributeType: 'S' },
      { AttributeName: 'SK', AttributeType: 'S' },
    ]);
    expect(p.LocalSecondaryIndexes, MIGRATE).toEqual([
      {
        IndexName: 'BySyncCount',
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'LSK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    // A fixed name would also force a replacement to fail outright; the table has none.
    expect(p.TableName, MIGRATE).toBeUndefined();
  });
});

describe('annotations', () => {
  it.each([
    ['a created pool, tracing, alarm email', { createIdentityPool: true, tracing: true, alarmEmail: 'ops@example.com' }],
    ["an existing pool's roles", { authenticatedRoleName: 'Auth', unauthenticatedRoleName: 'Unauth' }],
  ] as const)('synthesizes without warnings or errors: %s', (_, props) => {
    const { stack } = synth(props);
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });
});
