/**
 * The Lambda entry point of one operation: the protocol middlewares around a one-line domain call.
 * Handlers in `handlers/` are nothing but `operationHandler(name, invoke, capability)`, where
 * `capability` resolves the part of the domain the operation uses (capabilities.ts), or
 * `operationHandler(name)` for an operation the table marks not available: its `requireAvailable`
 * middleware answers 501, and the types refuse an invoke for it (and require one, with its
 * capability, for an available operation). This module imports no runtime, so a function of an
 * operation not available bundles no AWS client.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { DatasetRef, IdentityRef, ListDatasetsInput, ListRecordsInput, Principal, SyncService, UpdateRecordsInput } from '../domain/model';
import { OPERATIONS, type AvailableOperation, type OperationName, type UnavailableOperation } from '../operations';
import { callerPolicy as processCallerPolicy, type CallerPolicy } from './caller-policy';
import type { SyncHttpEvent, SyncHttpResult } from './http-event';
import { observability } from '../observability/middleware';
import { httpOutcome } from './observability';
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

/** Carries an input type in a value, so that the list below can be checked with `satisfies`. */
interface InputType<T> {
  readonly input?: T;
}

/**
 * The validated input each available operation hands to the domain. `satisfies` makes an available
 * operation without an input type, or an input type for an operation that is not available (or not
 * in the table), fail to compile.
 */
const INPUT_TYPES = {
  ListDatasets: {} as InputType<ListDatasetsInput>,
  DescribeDataset: {} as InputType<DatasetRef>,
  DeleteDataset: {} as InputType<DatasetRef>,
  DescribeIdentityUsage: {} as InputType<IdentityRef>,
  ListRecords: {} as InputType<ListRecordsInput>,
  UpdateRecords: {} as InputType<UpdateRecordsInput>,
} satisfies Record<AvailableOperation, InputType<unknown>>;

export type InputOf<N extends AvailableOperation> = NonNullable<(typeof INPUT_TYPES)[N]['input']>;

export type Invoke<N extends AvailableOperation> = (service: SyncService, input: InputOf<N>, principal: Principal) => Promise<object | undefined>;

/**
 * Resolves the capability an operation works over. Every available operation is of the records
 * capability today; pools, push and streams will bring resolvers of their own.
 */
export type ServiceResolver = () => Promise<SyncService>;

/** What the local server and tests inject instead of the process's composition. */
export interface HandlerOverrides {
  /** Serve from this service instead of the handler's capability. */
  readonly resolveService?: ServiceResolver;
  /** Decide who is a developer with this policy instead of the process's (config.ts). */
  readonly callerPolicy?: CallerPolicy;
}

export interface OperationHandler {
  (event: SyncHttpEvent, context: Context): Promise<SyncHttpResult>;
  readonly operation: OperationName;
  /** The same handler over another service: tests and the local server inject theirs. */
  withService(resolveService: ServiceResolver): OperationHandler;
  /** The same handler with another service, caller policy, or both. */
  with(overrides: HandlerOverrides): OperationHandler;
}

export function operationHandler<N extends AvailableOperation>(
  name: N,
  invoke: Invoke<N>,
  resolveService: ServiceResolver,
  policy?: CallerPolicy,
): OperationHandler;
export function operationHandler(name: UnavailableOperation, invoke?: undefined, resolveService?: undefined, policy?: CallerPolicy): OperationHandler;
export function operationHandler(
  name: OperationName,
  invoke?: Invoke<AvailableOperation>,
  resolveService?: ServiceResolver,
  policy?: CallerPolicy,
): OperationHandler {
  const op = OPERATIONS[name];
  const handler = middy<SyncHttpEvent, unknown, Error, SyncContext>()
    // Logs, metrics and traces per request, first so that they see the final answer.
    .use(observability(name, httpOutcome))
    .use(restJsonErrors(op))
    .use(authenticate(() => policy ?? processCallerPolicy()))
    .use(requireAvailable(op));
  // An operation without an invoke is one the table marks not available: `requireAvailable` answers
  // before anything else would run.
  if (invoke && resolveService) {
    handler
      .use(parseInput(op))
      .use(validateConstraints(op))
      .use(authorize(op))
      .use(restJsonOutput(op))
      .handler(async (_event: SyncHttpEvent, context: SyncContext) => {
        const { principal, input } = protocolState(context);
        if (!principal || !input) throw new Error(`${name}: protocol middlewares did not run`);
        // The middlewares validated `input` against the operation's members: it is an InputOf<name>.
        return invoke(await resolveService(), input as unknown as InputOf<AvailableOperation>, principal);
      });
  }
  const withOverrides = (overrides: HandlerOverrides): OperationHandler => {
    const nextPolicy = overrides.callerPolicy ?? policy;
    return invoke && resolveService
      ? operationHandler(name as AvailableOperation, invoke, overrides.resolveService ?? resolveService, nextPolicy)
      : operationHandler(name as UnavailableOperation, undefined, undefined, nextPolicy);
  };
  return Object.assign(handler as unknown as (event: SyncHttpEvent, context: Context) => Promise<SyncHttpResult>, {
    operation: name,
    withService: (resolve: ServiceResolver) => withOverrides({ resolveService: resolve }),
    with: withOverrides,
  });
}
