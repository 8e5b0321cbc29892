/**
 * The Lambda entry point of one operation: the protocol middlewares around a one-line domain call.
 * Handlers in `handlers/` are nothing but `operationHandler(name, invoke)`.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { DatasetRef, IdentityRef, ListDatasetsInput, ListRecordsInput, Principal, SyncService, UpdateRecordsInput } from '../domain/model';
import { OPERATIONS, type OperationName } from '../operations';
import { Errors } from '../errors';
import type { SyncHttpEvent, SyncHttpResult } from './http-event';
import { observe } from './observability';
import {
  authenticate,
  authorize,
  parseInput,
  protocolState,
  requireAvailable,
  restJsonErrors,
  restJsonOutput,
  validateConstraints,
  type SyncContext,
} from './middlewares';

/** The validated input each implemented operation hands to the domain. */
export interface OperationInputs {
  ListDatasets: ListDatasetsInput;
  DescribeDataset: DatasetRef;
  DeleteDataset: DatasetRef;
  DescribeIdentityUsage: IdentityRef;
  ListRecords: ListRecordsInput;
  UpdateRecords: UpdateRecordsInput;
}

/** The input type of an operation; operations not implemented yet get the untyped parse result. */
export type InputOf<N extends OperationName> = N extends keyof OperationInputs ? OperationInputs[N] : Record<string, unknown>;

export type Invoke<N extends OperationName> = (service: SyncService, input: InputOf<N>, principal: Principal) => Promise<object | void>;

export type ServiceResolver = () => Promise<SyncService>;

export interface OperationHandler {
  (event: SyncHttpEvent, context: Context): Promise<SyncHttpResult>;
  readonly operation: OperationName;
  /** The same handler over another service: tests and the local server inject theirs. */
  withService(resolveService: ServiceResolver): OperationHandler;
}

/**
 * The deployed service, loaded on first use so that a request refused by the protocol (400, 403, 501)
 * never pays for building clients, and so that tests that inject a service never load the runtime.
 * A literal dynamic import, so that esbuild still bundles `runtime.ts` into each function; its promise
 * is kept, because every `import()` goes through the module loader again (a round trip to tsx's
 * loader thread locally).
 */
let runtime: Promise<typeof import('../runtime')> | undefined;
const defaultResolveService: ServiceResolver = async () => (await (runtime ??= import('../runtime'))).getSyncService();

export function operationHandler<N extends OperationName>(
  name: N,
  invoke: Invoke<N>,
  resolveService: ServiceResolver = defaultResolveService,
): OperationHandler {
  const op = OPERATIONS[name];
  const handler = middy<SyncHttpEvent, unknown, Error, SyncContext>()
    .use(restJsonErrors(op))
    .use(authenticate())
    .use(requireAvailable(op))
    .use(parseInput(op))
    .use(validateConstraints(op))
    .use(authorize(op))
    .use(restJsonOutput(op))
    .handler(async (_event: SyncHttpEvent, context: SyncContext) => {
      const { principal, input } = protocolState(context);
      if (!principal || !input) throw new Error(`${name}: protocol middlewares did not run`);
      return invoke(await resolveService(), input as InputOf<N>, principal);
    });
  // Logs, metrics and traces per request, around the whole stack so they see the final answer.
  return Object.assign(observe(name, handler as unknown as (event: SyncHttpEvent, context: Context) => Promise<SyncHttpResult>), {
    operation: name,
    withService: (resolve: ServiceResolver) => operationHandler(name, invoke, resolve),
  });
}

/** The invoke of an operation whose issue has not landed: the `requireAvailable` middleware answers first. */
export function unavailable<N extends OperationName>(name: N): Invoke<N> {
  return async () => {
    throw Errors.unavailableOperation(`${name} is not available on this endpoint yet`);
  };
}
