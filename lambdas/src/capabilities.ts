/**
 * What a handler asks the composition root (runtime.ts) for: one resolver per capability, imported
 * only by the handlers of that capability's operations. A function's bundle thus holds the runtime,
 * and the clients of that capability, only if its handler imports the resolver: the functions of
 * operations not available yet import none and hold no AWS client at all.
 *
 * The runtime is loaded on first use, so that a request refused by the protocol (400, 403) never
 * pays for loading or building clients. A literal dynamic import, so that esbuild still bundles
 * `runtime.ts` into the functions that use it; its promise is kept, because every `import()` goes
 * through the module loader again (a round trip to tsx's loader thread locally).
 */
import type { SyncService } from './domain/model';
import type { CognitoEventsSettings } from './domain/pools/cognito-events';
import type { PoolConfigurations } from './domain/pools/pool-configurations';
import type { BulkPublishing } from './domain/pools/bulk-publish';
import type { BulkPublishComposer } from './runtime';
import type { PoolUsage } from './domain/pools/usage';
import type { PoolListerFactory } from './runtime';
import type { PushSyncService } from './domain/push/push-sync';
import type { PushAdaptersFactory } from './runtime';
import type { TriggerInvokerFactory } from './runtime';

let runtime: Promise<typeof import('./runtime')> | undefined;
const loadRuntime = () => (runtime ??= import('./runtime'));

/** The records capability (datasets, records, tokens, usage of one identity) of this process. */
export const records = async (): Promise<SyncService> => (await loadRuntime()).processRuntime().records();

/**
 * The records capability with the sync trigger (UpdateRecords only): the invoker factory comes from
 * the handler, so that only UpdateRecords' bundle holds the Lambda client.
 */
export const recordsWithSyncTrigger = async (triggers: TriggerInvokerFactory): Promise<SyncService> => (await loadRuntime()).processRuntime().records(triggers);

/** The pools capability (an identity pool's configuration) of this process. */
export const pools = async (): Promise<PoolConfigurations> => (await loadRuntime()).processRuntime().pools();

/**
 * BulkPublish and GetBulkPublishDetails (Cognito Streams' backfill) of this process: the composer
 * comes from the handler, so that only those two functions hold the Kinesis, S3 and Lambda clients.
 */
export const bulkPublish = async (compose: BulkPublishComposer): Promise<BulkPublishing> => (await loadRuntime()).processRuntime().bulkPublish(compose);

/** A pool's Cognito Events (GetCognitoEvents, SetCognitoEvents) of this process. */
export const cognitoEvents = async (): Promise<CognitoEventsSettings> => (await loadRuntime()).processRuntime().events();

/**
 * The push capability (RegisterDevice, SubscribeToDataset, UnsubscribeFromDataset) of this process:
 * the adapters' factory comes from the handler, so that only the push functions hold SNS and STS.
 */
export const push = async (adapters: PushAdaptersFactory): Promise<PushSyncService> => (await loadRuntime()).processRuntime().push(adapters);

/**
 * Pool usage (DescribeIdentityPoolUsage, ListIdentityPoolUsage) of this process. The lister of the
 * account's pools comes from ListIdentityPoolUsage's handler, so that only its bundle holds the
 * Cognito Identity client.
 */
export const poolUsage = async (lister?: PoolListerFactory): Promise<PoolUsage> => (await loadRuntime()).processRuntime().usage(lister);
