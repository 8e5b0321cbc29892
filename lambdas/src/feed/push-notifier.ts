/**
 * Push sync's place in the change feed (consumers.ts): after each committed sync, a silent push to
 * the dataset's other subscribed devices; after a deletion, its subscriptions go
 * (domain/push/notifier.ts). SNS is called with the pool's push sync role (STS, cached); locally
 * `config.awsEndpoint` is moto, and each push is printed on one line, so that a developer running
 * `npm start` sees what their devices would receive.
 */
import type { FeedConsumer } from '../domain/feed/committed-sync';
import { PushNotifier, type SentPush } from '../domain/push/notifier';
import { createPushAdapters } from '../push-runtime';
import type { FeedDependencies } from './consumers';

/** The local server's line for one push. */
export const describePush = (push: SentPush): string =>
  `push sync: ${push.outcome === 'delivered' ? 'sent' : `not sent (endpoint ${push.outcome})`} to ${push.endpointArn} (${push.platform}), dataset ${push.datasetName}, syncCount ${push.syncCount}`;

export function pushNotifier({ config, dynamodb, tableName }: FeedDependencies): FeedConsumer {
  const adapters = createPushAdapters(config, dynamodb, tableName);
  const local = config.awsEndpoint !== undefined;
  return new PushNotifier({
    ...adapters,
    ...(local && { onPush: (push: SentPush) => console.log(describePush(push)) }),
    onRefused: (event, error) =>
      console.warn(
        `push sync: skipped ${event.identityPoolId}/${event.datasetName}@${event.syncCount}: ${error instanceof Error ? error.message : String(error)}`,
      ),
  });
}
