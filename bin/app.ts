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
 * | `memorySize`                     | MB per function, default 1024                                  |
 * | `corsAllowOrigins`               | comma-separated origins; default `*`, empty for none           |
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
  return value.split(',').map((s) => s.trim()).filter(Boolean);
};

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
});

app.synth();
