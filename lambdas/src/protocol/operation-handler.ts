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
import type { PoolRef, SetPoolConfigurationInput } from '../domain/pools/model';
import type { CognitoEventsSettings, SetCognitoEventsInput } from '../domain/pools/cognito-events';
import type { PoolConfigurations } from '../domain/pools/pool-configurations';
import type { BulkPublishing } from '../domain/pools/bulk-publish';
import type { PoolUsage } from '../domain/pools/usage';
import type { ListPoolUsageInput } from '../domain/pools/usage-model';
import type { RegisterDeviceInput, SubscriptionInput } from '../domain/push/model';
import type { PushSyncService } from '../domain/push/push-sync';
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
  type DropInVerifier,
  type SyncContext,
} from './middlewares';

/** The capabilities an available operation can work over (capabilities.ts), by name. */
interface Capabilities {
  readonly records: SyncService;
  readonly pools: PoolConfigurations;
  readonly bulkPublish: BulkPublishing;
  readonly usage: PoolUsage;
  readonly events: CognitoEventsSettings;
  readonly push: PushSyncService;
}
type CapabilityName = keyof Capabilities;

/** Carries an input type and a capability in a value, so that the list below can be checked with `satisfies`. */
interface Binding<I, K extends CapabilityName> {
  readonly capability: K;
  readonly input?: I;
}
const overRecords = <I>(): Binding<I, 'records'> => ({ capability: 'records' });
const overPools = <I>(): Binding<I, 'pools'> => ({ capability: 'pools' });
const overBulkPublish = <I>(): Binding<I, 'bulkPublish'> => ({ capability: 'bulkPublish' });
const overUsage = <I>(): Binding<I, 'usage'> => ({ capability: 'usage' });
const overEvents = <I>(): Binding<I, 'events'> => ({ capability: 'events' });
const overPush = <I>(): Binding<I, 'push'> => ({ capability: 'push' });

/**
 * The validated input each available operation hands to the domain, and the capability it calls.
 * `satisfies` makes an available operation without a binding, or a binding for an operation that
 * is not available (or not in the table), fail to compile.
 */
const BINDINGS = {
  ListDatasets: overRecords<ListDatasetsInput>(),
  DescribeDataset: overRecords<DatasetRef>(),
  DeleteDataset: overRecords<DatasetRef>(),
  DescribeIdentityUsage: overRecords<IdentityRef>(),
  ListRecords: overRecords<ListRecordsInput>(),
  UpdateRecords: overRecords<UpdateRecordsInput>(),
  GetIdentityPoolConfiguration: overPools<PoolRef>(),
  SetIdentityPoolConfiguration: overPools<SetPoolConfigurationInput>(),
  BulkPublish: overBulkPublish<PoolRef>(),
  GetBulkPublishDetails: overBulkPublish<PoolRef>(),
  DescribeIdentityPoolUsage: overUsage<PoolRef>(),
  ListIdentityPoolUsage: overUsage<ListPoolUsageInput>(),
  GetCognitoEvents: overEvents<PoolRef>(),
  SetCognitoEvents: overEvents<SetCognitoEventsInput>(),
  RegisterDevice: overPush<RegisterDeviceInput>(),
  SubscribeToDataset: overPush<SubscriptionInput>(),
  UnsubscribeFromDataset: overPush<SubscriptionInput>(),
} satisfies Record<AvailableOperation, Binding<unknown, CapabilityName>>;

type Bindings = typeof BINDINGS;

export type InputOf<N extends AvailableOperation> = NonNullable<Bindings[N]['input']>;

/** The capability operation N calls. */
export type CapabilityOf<N extends AvailableOperation> = Capabilities[Bindings[N]['capability']];

export type Invoke<N extends AvailableOperation> = (capability: CapabilityOf<N>, input: InputOf<N>, principal: Principal) => Promise<object | undefined>;

/** Resolves the capability operation N works over (capabilities.ts, or what a test injects). */
export type CapabilityResolver<N extends AvailableOperation> = () => Promise<CapabilityOf<N>>;

/** Resolves the records capability. */
export type ServiceResolver = () => Promise<SyncService>;

/** Resolves the pools capability. */
export type PoolsResolver = () => Promise<PoolConfigurations>;

/** Resolves BulkPublish and GetBulkPublishDetails' capability. */
export type BulkPublishResolver = () => Promise<BulkPublishing>;

/** Resolves pool usage. */
export type UsageResolver = () => Promise<PoolUsage>;

/** Resolves a pool's Cognito Events. */
export type EventsResolver = () => Promise<CognitoEventsSettings>;

/** Resolves the push capability. */
export type PushResolver = () => Promise<PushSyncService>;

/** What the local server and tests inject instead of the process's composition. */
export interface HandlerOverrides {
  /** Serve the records operations from this service instead of the handler's capability. */
  readonly resolveService?: ServiceResolver;
  /** Serve the pool operations from this capability instead of the handler's. */
  readonly resolvePools?: PoolsResolver;
  /** Serve BulkPublish and GetBulkPublishDetails from this capability instead of the handler's. */
  readonly resolveBulkPublish?: BulkPublishResolver;
  /** Serve DescribeIdentityPoolUsage and ListIdentityPoolUsage from this capability instead of the handler's. */
  readonly resolveUsage?: UsageResolver;
  /** Serve GetCognitoEvents and SetCognitoEvents from this capability instead of the handler's. */
  readonly resolveEvents?: EventsResolver;
  /** Serve RegisterDevice, SubscribeToDataset and UnsubscribeFromDataset from this capability instead of the handler's. */
  readonly resolvePush?: PushResolver;
  /** Decide who is a developer with this policy instead of the process's (config.ts). */
  readonly callerPolicy?: CallerPolicy;
  /** Verify requests without an IAM authorizer (drop-in mode) with this instead of the handler's. */
  readonly dropIn?: DropInResolver;
}

/**
 * The verifier of drop-in requests (drop-in/drop-in-runtime.ts `processDropInAuthenticator`), or
 * undefined when drop-in mode is off. Passed in by the entry points of the operations an identity
 * may call, so that the developer operations' bundles hold neither the verifier nor the KMS client.
 */
export type DropInResolver = () => DropInVerifier | undefined;

export interface OperationHandler {
  (event: SyncHttpEvent, context: Context): Promise<SyncHttpResult>;
  readonly operation: OperationName;
  /** The same handler over another records service (a pool operation ignores it): tests inject theirs. */
  withService(resolveService: ServiceResolver): OperationHandler;
  /** The same handler with another service, caller policy, or both. */
  with(overrides: HandlerOverrides): OperationHandler;
}

export function operationHandler<N extends AvailableOperation>(
  name: N,
  invoke: Invoke<N>,
  resolveService: CapabilityResolver<N>,
  policy?: CallerPolicy,
  dropIn?: DropInResolver,
): OperationHandler;
export function operationHandler(
  name: UnavailableOperation,
  invoke?: undefined,
  resolveService?: undefined,
  policy?: CallerPolicy,
  dropIn?: DropInResolver,
): OperationHandler;
export function operationHandler(
  name: OperationName,
  invoke?: Invoke<AvailableOperation>,
  resolveService?: () => Promise<unknown>,
  policy?: CallerPolicy,
  dropIn?: DropInResolver,
): OperationHandler {
  const op = OPERATIONS[name];
  const handler = middy<SyncHttpEvent, unknown, Error, SyncContext>()
    // Logs, metrics and traces per request, first so that they see the final answer.
    .use(observability(name, httpOutcome))
    .use(restJsonErrors(op))
    // Drop-in requests only for the operations an identity may call: a developer operation never
    // verifies a signature itself, whatever the environment says.
    .use(
      authenticate(
        () => policy ?? processCallerPolicy(),
        () => (op.callers === 'developer' ? undefined : dropIn?.()),
      ),
    )
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
        // And the resolver is the one of its capability (the overloads tie both to `name`).
        return invoke((await resolveService()) as CapabilityOf<AvailableOperation>, input as unknown as InputOf<AvailableOperation>, principal);
      });
  }
  const withOverrides = (overrides: HandlerOverrides): OperationHandler => {
    const nextPolicy = overrides.callerPolicy ?? policy;
    const nextDropIn = overrides.dropIn ?? dropIn;
    if (!invoke || !resolveService) return operationHandler(name as UnavailableOperation, undefined, undefined, nextPolicy, nextDropIn);
    const capability = BINDINGS[name as AvailableOperation].capability;
    const override = {
      records: overrides.resolveService,
      pools: overrides.resolvePools,
      bulkPublish: overrides.resolveBulkPublish,
      usage: overrides.resolveUsage,
      events: overrides.resolveEvents,
      push: overrides.resolvePush,
    }[capability];
    return operationHandler(name as AvailableOperation, invoke, (override ?? resolveService) as CapabilityResolver<AvailableOperation>, nextPolicy, nextDropIn);
  };
  return Object.assign(handler as unknown as (event: SyncHttpEvent, context: Context) => Promise<SyncHttpResult>, {
    operation: name,
    withService: (resolve: ServiceResolver) => withOverrides({ resolveService: resolve }),
    with: withOverrides,
  });
}
