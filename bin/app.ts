#!/usr/bin/env tsx
/**
 * The CDK app: `npx cdk deploy` (cdk.json runs this). Settings come from CDK context, on the command
 * line (`-c name=value`) or in cdk.json / cdk.context.json:
 *
 * | context                          | meaning                                                        |
 * |----------------------------------|----------------------------------------------------------------|
 * | `stackName`                      | default `OpenCognitoSync`                                      |
 * | `authenticatedRoleName`          | existing identity pool's authenticated role: may invoke        |
 * | `unauthenticatedRoleName`        | existing identity pool's unauthenticated role: may invoke      |
 * | `createIdentityPool`             | `true`: create a pool (and its roles) instead                  |
 * | `allowUnauthenticatedIdentities` | `true`: the created pool allows guests                         |
 * | `tracing`                        | `true`: X-Ray (active tracing, Powertools Tracer)              |
 * | `retainData`                     | `false`: the table goes with the stack (throw-away stacks)     |
 * | `alarmEmail`                     | address the alarms notify                                      |
 * | `memorySize`                     | MB for all functions; default per kind, lib/function-sizes.ts  |
 * | `corsAllowOrigins`               | comma-separated origins; default `*`, empty for none           |
 * | `developerPrincipals`            | comma-separated ARN patterns of developers; default the        |
 * |                                  | account's users, assumed roles and root (pool roles never)     |
 * | `throttlingRateLimit`            | stage requests per second, default 1000                        |
 * | `throttlingBurstLimit`           | stage burst, default 2000                                      |
 * | `reservedConcurrency`            | reserved concurrency of each operation's function; default none|
 * | `syncTriggerFunctions`           | comma-separated Lambda ARNs UpdateRecords may invoke as sync triggers; default `cognito-sync-trigger-*` of the account and region |
 * | `userPoolClients`                | created pool: `<provider name>:<app client id>`, comma-separated|
 * | `developerProviderName`          | created pool: developer-authenticated identities' provider     |
 * | `openIdConnectProviderArns`      | created pool: IAM OIDC provider ARNs, comma-separated          |
 * | `samlProviderArns`               | created pool: IAM SAML provider ARNs, comma-separated          |
 * | `dropIn`                         | `true`: drop-in mode, a second API where unmodified apps sign  |
 * |                                  | for cognito-sync, with a Cognito Identity relay (lib/drop-in.ts)|
 *
 * A list may also be a JSON array in cdk.json's context.
 *
 * Account and region: those of the CLI's credentials (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION);
 * without them the template is environment-agnostic, which is how `cdk synth` runs offline.
 */
import { App } from 'aws-cdk-lib';
import { CognitoSyncStack } from '../lib/sync-stack';

const app = new App();

const text = (name: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined || value === null) return undefined;
  return String(value);
};
const flag = (name: string): boolean | undefined => {
  const value = text(name)?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`Context ${name} must be true or false, not ${value}`);
};
const integer = (name: string): number | undefined => {
  const value = text(name);
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`Context ${name} must be a positive integer, not ${value}`);
  return n;
};
const list = (name: string): string[] | undefined => {
  const value = text(name);
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
};

/** `<provider name>:<client id>`: the provider name (`cognito-idp.<region>.amazonaws.com/<pool id>`) has no colon. */
const userPoolClients = (name: string) =>
  list(name)?.map((entry) => {
    const at = entry.lastIndexOf(':');
    if (at <= 0 || at === entry.length - 1) throw new Error(`Context ${name}: expected <provider name>:<client id>, not ${entry}`);
    return { providerName: entry.slice(0, at), clientId: entry.slice(at + 1) };
  });

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

new CognitoSyncStack(app, text('stackName') || 'OpenCognitoSync', {
  ...(account && region ? { env: { account, region } } : {}),
  authenticatedRoleName: text('authenticatedRoleName') || undefined,
  unauthenticatedRoleName: text('unauthenticatedRoleName') || undefined,
  createIdentityPool: flag('createIdentityPool'),
  allowUnauthenticatedIdentities: flag('allowUnauthenticatedIdentities'),
  tracing: flag('tracing'),
  retainData: flag('retainData'),
  alarmEmail: text('alarmEmail') || undefined,
  memorySize: integer('memorySize'),
  corsAllowOrigins: list('corsAllowOrigins'),
  developerPrincipals: list('developerPrincipals'),
  throttlingRateLimit: integer('throttlingRateLimit'),
  throttlingBurstLimit: integer('throttlingBurstLimit'),
  reservedConcurrency: integer('reservedConcurrency'),
  syncTriggerFunctions: list('syncTriggerFunctions'),
  dropIn: flag('dropIn'),
  loginProviders: {
    userPoolClients: userPoolClients('userPoolClients'),
    developerProviderName: text('developerProviderName') || undefined,
    openIdConnectProviderArns: list('openIdConnectProviderArns'),
    samlProviderArns: list('samlProviderArns'),
  },
});

app.synth();
