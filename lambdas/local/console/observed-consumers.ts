/**
 * The change feed's consumers as the local server runs them, each also telling the console's
 * activity bus what it did: the same list as FEED_CONSUMERS (lambdas/src/feed/consumers.ts), in its
 * order, with push sync and Cognito Streams composed here over the same adapters with an observer
 * on their output port, and one last consumer that reports each committed sync once every consumer
 * before it has taken it. The Lambda code is unchanged and knows nothing of the console.
 */
import { cognitoStreamsConsumer, composeStreams } from '../../src/feed/cognito-streams';
import { FEED_CONSUMERS, type FeedConsumerFactory } from '../../src/feed/consumers';
import { describePush, pushNotifier } from '../../src/feed/push-notifier';
import type { CommittedRecordsReader, CommittedSync, FeedConsumer } from '../../src/domain/feed/committed-sync';
import { PushNotifier } from '../../src/domain/push/notifier';
import type { PlatformEndpoints } from '../../src/domain/push/ports';
import { platformOfEndpoint } from '../../src/domain/push/platforms';
import { CommittedSyncStreaming } from '../../src/domain/streams/committed-sync-streaming';
import type { StreamPublisher } from '../../src/domain/streams/stream-publisher';
import { createPushAdapters } from '../../src/push-runtime';
import type { ActivityBus } from './activity';

/** FEED_CONSUMERS (or the list given), observed, then the committed-sync reporter. */
export function observedConsumers(bus: ActivityBus, consumers: readonly FeedConsumerFactory[] = FEED_CONSUMERS): FeedConsumerFactory[] {
  const observed = consumers.map((factory) => {
    if (factory === pushNotifier) return observedPushNotifier(bus);
    if (factory === cognitoStreamsConsumer) return observedCognitoStreams(bus);
    return factory;
  });
  return [...observed, () => committedSyncReporter(bus)];
}

/** Push sync as pushNotifier composes it locally, with each SNS publish reported (device, platform, payload). */
function observedPushNotifier(bus: ActivityBus): FeedConsumerFactory {
  return ({ config, dynamodb, tableName }) => {
    const adapters = createPushAdapters(config, dynamodb, tableName);
    const inner = adapters.endpoints;
    const endpoints: PlatformEndpoints = {
      ensureEndpoint: (...args) => inner.ensureEndpoint(...args),
      deleteEndpoint: (...args) => inner.deleteEndpoint(...args),
      publish: async (role, endpointArn, message) => {
        const outcome = await inner.publish(role, endpointArn, message);
        bus.publish({ type: 'push', device: endpointArn, platform: platformOfEndpoint(endpointArn) ?? 'unknown', payload: message, outcome: String(outcome) });
        return outcome;
      },
    };
    return new PushNotifier({
      ...adapters,
      endpoints,
      onPush: (push) => console.log(describePush(push)),
      onRefused: (event, error) =>
        console.warn(
          `push sync: skipped ${event.identityPoolId}/${event.datasetName}@${event.syncCount}: ${error instanceof Error ? error.message : String(error)}`,
        ),
    });
  };
}

/** Cognito Streams over composeStreams' publisher, with each record it has written to the stream reported. */
function observedCognitoStreams(bus: ActivityBus): FeedConsumerFactory {
  return (dependencies) => {
    const { settings, publisher } = composeStreams(dependencies);
    const reporting = {
      publish: async (...args: Parameters<StreamPublisher['publish']>) => {
        await publisher.publish(...args);
        const [target, changes] = args;
        for (const change of changes) {
          bus.publish({
            type: 'stream',
            streamName: target.streamName,
            identityPoolId: change.identityPoolId,
            identityId: change.identityId,
            datasetName: change.datasetName,
            syncCount: change.syncCount,
            operation: change.operation,
            recordCount: change.records.length,
          });
        }
      },
    } as unknown as StreamPublisher;
    return new CommittedSyncStreaming(settings, reporting);
  };
}

/** Last in the list: an event reaches it once every other consumer has taken it. */
function committedSyncReporter(bus: ActivityBus): FeedConsumer {
  return {
    name: 'local-console-activity',
    async consume(event: CommittedSync, records: CommittedRecordsReader) {
      const written = event.kind === 'sync' ? await records.recordsOf(event) : [];
      bus.publish({
        type: 'sync',
        kind: event.kind,
        identityPoolId: event.identityPoolId,
        identityId: event.identityId,
        datasetName: event.datasetName,
        syncCount: event.syncCount,
        recordsChanged: written.length,
        dataStorage: event.dataStorage,
      });
    },
  };
}
