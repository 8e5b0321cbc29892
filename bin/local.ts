#!/usr/bin/env tsx
/**
 * `npm start`: the whole service on this machine. DynamoDB Local (data under --data-dir, or in
 * memory), the table, and one HTTP endpoint serving Cognito Sync and the Cognito Identity subset.
 *
 *   npm start -- [--in-memory] [--port N] [--data-dir DIR] [--allow-origin ORIGIN]... [--deployed-rules]
 *                [--function NAME=path/to/handler.{js,mjs,ts}[#export]]...
 *
 * Environment: PORT (when --port is absent; default 8080), AWS_REGION (default us-east-1),
 * SYNC_TABLE_NAME (default cognito-sync), SYNC_DEVELOPER_ACCESS_KEY_ID / SYNC_DEVELOPER_SECRET_ACCESS_KEY.
 */
// First: it must be set before any AWS SDK client is made.
import '../lambdas/local/process/quiet-sdk-node-warning';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LocalRuntimeError, isLocalRuntimeError } from '../lambdas/local/process/errors';
import { watchParent } from '../lambdas/local/process/exit-with-parent';
import { startLocalEndpoint, type LocalEndpoint } from '../lambdas/local/local-endpoint';
import { checkFunctionFiles, type LocalFunctionSpec, parseFunctionArguments } from '../lambdas/local/lambda/function-registry';

const HOST = '127.0.0.1';
const USAGE =
  'Usage: npm start -- [--in-memory] [--port N] [--data-dir DIR] [--allow-origin ORIGIN]... [--deployed-rules] [--function NAME=path/to/handler.{js,mjs,ts}[#export]]...';

interface Settings {
  readonly inMemory: boolean;
  readonly port: number;
  /** How to ask for another port, in the words of however this one was chosen. */
  readonly portHint: string;
  readonly dataDir: string;
  readonly region: string;
  readonly tableName: string;
  readonly allowedOrigins: readonly string[];
  readonly deployedRules: boolean;
  /** Functions for the local function runner: sync triggers. */
  readonly functions: readonly LocalFunctionSpec[];
}

/** The command-line flags, or a usage error. */
function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        'in-memory': { type: 'boolean', default: false },
        port: { type: 'string' },
        'data-dir': { type: 'string', default: '.data' },
        'allow-origin': { type: 'string', multiple: true, default: [] },
        'deployed-rules': { type: 'boolean', default: false },
        function: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new LocalRuntimeError(`${(e as Error).message}\n${USAGE}`);
  }
}

function readSettings(argv: string[], env: NodeJS.ProcessEnv): Settings {
  const values = parseFlags(argv);
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const portText = values.port ?? env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new LocalRuntimeError(`Invalid port '${portText}': expected a number from 0 to 65535.\n${USAGE}`);
  }
  const portHint =
    values.port !== undefined ? 'use --port <another port>' : env.PORT !== undefined ? 'set PORT=<another port>' : 'use `npm start -- --port <another port>`';
  return {
    inMemory: values['in-memory'] ?? false,
    port,
    portHint,
    dataDir: path.resolve(values['data-dir'] ?? '.data'),
    region: env.AWS_REGION || 'us-east-1',
    tableName: env.SYNC_TABLE_NAME || 'cognito-sync',
    allowedOrigins: values['allow-origin'] ?? [],
    deployedRules: values['deployed-rules'] ?? false,
    functions: parseFunctionFlags(values.function ?? []),
  };
}

/** The `--function` flags, or a usage error. */
function parseFunctionFlags(argumentList: readonly string[]): LocalFunctionSpec[] {
  try {
    const specs = parseFunctionArguments(argumentList);
    checkFunctionFiles(specs);
    return specs;
  } catch (e) {
    throw new LocalRuntimeError(`${(e as Error).message}\n${USAGE}`);
  }
}

/** Where the developer pair came from, when the developer should know: it is not the published one. */
function developerSource(server: LocalEndpoint): string {
  if (!server.developerCredentialsFile) return '';
  const made = server.developerCredentialsCreated ? 'Made for this data directory on its first start; kept' : 'Kept';
  const overridden = process.env.SYNC_DEVELOPER_ACCESS_KEY_ID || process.env.SYNC_DEVELOPER_SECRET_ACCESS_KEY;
  return `\n  (${made} in ${server.developerCredentialsFile}${overridden ? ', overridden by SYNC_DEVELOPER_*' : ''})`;
}

/** The local function runner's functions, by ARN, for SetCognitoEvents' SyncTrigger. */
function functionsLine(server: LocalEndpoint): string {
  if (server.functions.length === 0) return 'none (register sync triggers with --function NAME=path/to/handler.ts)';
  return server.functions.map((fn) => `${fn.arn} <- ${fn.file}#${fn.exportName}`).join('\n             ');
}

function banner(s: Settings, server: LocalEndpoint): string {
  const { accessKeyId, secretAccessKey } = server.developer;
  const creds = `{ accessKeyId: '${accessKeyId}', secretAccessKey: '${secretAccessKey}' }`;
  const dynamo = `DynamoDB Local at ${server.dynamoEndpoint}${server.dynamoPid ? ` (pid ${server.dynamoPid})` : ''}`;
  return `
open-cognito-sync: local endpoint ready

  Endpoint   ${server.url}
  Console    ${server.consoleUrl}
  Region     ${s.region}
  Data       ${s.inMemory ? 'in memory (gone when this process stops)' : s.dataDir}
  Table      ${s.tableName} on ${dynamo}
  Rules      ${s.deployedRules ? 'deployed: execute-api signatures only' : 'local: cognito-sync or execute-api signatures'}
  AWS APIs   ${awsApis(server)}
  Functions  ${functionsLine(server)}

Developer credentials (CreateIdentityPool, developer-only operations):
  AccessKeyId      ${accessKeyId}
  SecretAccessKey  ${secretAccessKey}${developerSource(server)}

Cognito Sync, as a developer (AWS SDK for JavaScript v3):

  import { CognitoSyncClient } from '@aws-sdk/client-cognito-sync';
  const sync = new CognitoSyncClient({
    region: '${s.region}',
    endpoint: '${server.url}',
    credentials: ${creds},
  });

Cognito Sync, as an app (Cognito Identity is served on the same endpoint):

  import { CognitoIdentityClient, CreateIdentityPoolCommand } from '@aws-sdk/client-cognito-identity';
  import { CognitoSyncClient } from '@aws-sdk/client-cognito-sync';
  import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
  const endpoint = '${server.url}';
  // Once, with the developer credentials:
  const { IdentityPoolId } = await new CognitoIdentityClient({ region: '${s.region}', endpoint, credentials: ${creds} })
    .send(new CreateIdentityPoolCommand({ IdentityPoolName: 'local', AllowUnauthenticatedIdentities: true }));
  // In the app:
  const sync = new CognitoSyncClient({
    region: '${s.region}',
    endpoint,
    credentials: fromCognitoIdentityPool({ identityPoolId: IdentityPoolId, clientConfig: { region: '${s.region}', endpoint } }),
  });

Every other AWS API on the same endpoint (any credentials; DynamoDB is the service's own DynamoDB Local):

  aws dynamodb list-tables --endpoint-url ${server.url}
  aws sns list-topics --endpoint-url ${server.url}
  aws kinesis list-streams --endpoint-url ${server.url}
  new DynamoDBClient({ region: '${s.region}', endpoint: '${server.url}' })   // likewise SNSClient, KinesisClient, S3Client (forcePathStyle), STSClient
${server.featuresOff ? `\n${server.featuresOff}\n` : ''}
Press Ctrl-C to stop.
`;
}

/** What the edge port passes on, and to what. */
function awsApis(server: LocalEndpoint): string {
  const moto = server.motoEndpoint
    ? `SNS, Kinesis, S3, STS on moto at ${server.motoEndpoint}${server.motoPid ? ` (pid ${server.motoPid})` : ''}`
    : 'SNS, Kinesis, S3, STS off (see below)';
  return `DynamoDB and DynamoDB Streams on DynamoDB Local; ${moto}`;
}

async function main(): Promise<void> {
  let endpoint: LocalEndpoint | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) process.exit(code); // A second Ctrl-C: the JVM dies with us (its stdin closes).
    stopping = true;
    await endpoint?.close().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // Closing the terminal: stop as cleanly as for Ctrl-C (releasing the data directory's lock).
  process.on('SIGHUP', () => void stop(0));
  // tsx (or whatever started us) killed with SIGKILL: nobody is left to stop us, so stop ourselves.
  watchParent(() => {
    console.error('open-cognito-sync: the parent process is gone; stopping.');
    void stop(0);
  });

  try {
    const settings = readSettings(process.argv.slice(2), process.env);
    endpoint = await startLocalEndpoint({
      port: settings.port,
      host: HOST,
      region: settings.region,
      tableName: settings.tableName,
      inMemory: settings.inMemory,
      dataDir: settings.dataDir,
      allowedOrigins: settings.allowedOrigins,
      deployedRules: settings.deployedRules,
      portHint: settings.portHint,
      functions: settings.functions,
      // The local console (/_console), built here when its build is missing or older than its sources.
      buildConsole: true,
    });
    console.log(banner(settings, endpoint));
  } catch (e) {
    // What the developer can fix reads as one clear message; anything else is a bug and keeps its stack.
    console.error(isLocalRuntimeError(e) ? `error: ${e.message}` : e);
    await stop(1);
  }
}

/** `open-cognito-sync migrate|export|import ...`: the migration's commands, loaded only when asked for. */
const MIGRATION_COMMANDS = new Set(['migrate', 'export', 'import']);
const command = process.argv[2];
if (command !== undefined && MIGRATION_COMMANDS.has(command)) {
  void import('../lambdas/migration/cli')
    .then(({ isMigrationCommand, runMigrationCommand }) => (isMigrationCommand(command) ? runMigrationCommand(command, process.argv.slice(3)) : 2))
    .then(
      (code) => process.exit(code),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
} else {
  void main();
}
