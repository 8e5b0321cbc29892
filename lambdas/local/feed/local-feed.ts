/**
 * The local server's change feed: the feed of FEED_CONSUMERS, built over the local service's
 * configuration (the one the handlers run with), fed by the stream poller.
 */
import { buildFeed } from '../../src/feed/build-feed';
import type { FeedConsumerFactory } from '../../src/feed/consumers';
import { createDynamoDBLocalClient } from '../emulators/dynamodb-local';
import { localServiceConfig, type LocalServiceSettings } from '../service-config';
import { startStreamPoller, type StreamPoller, type StreamPollerOptions } from './stream-poller';
import type { ActivityBus } from '../console/activity';
import { observedConsumers } from '../console/observed-consumers';

export interface LocalFeedOptions extends LocalServiceSettings {
  readonly dataDir?: string;
  /** Default FEED_CONSUMERS. */
  readonly consumers?: readonly FeedConsumerFactory[];
  readonly maxAttempts?: StreamPollerOptions['maxAttempts'];
  readonly retryBaseMs?: StreamPollerOptions['retryBaseMs'];
  readonly log?: StreamPollerOptions['log'];
  /** The local console's bus: the consumers also report there what they did (console/observed-consumers.ts). */
  readonly activity?: ActivityBus;
}

export async function startLocalFeed(options: LocalFeedOptions): Promise<StreamPoller> {
  const dynamodb = createDynamoDBLocalClient(options.dynamoEndpoint);
  try {
    const consumers = options.activity ? observedConsumers(options.activity, options.consumers) : options.consumers;
    const feed = await buildFeed({ config: localServiceConfig(options), dynamodb, tableName: options.tableName, consumers });
    const poller = await startStreamPoller({
      dynamodb,
      dynamoEndpoint: options.dynamoEndpoint,
      tableName: options.tableName,
      feed,
      dataDir: options.dataDir,
      maxAttempts: options.maxAttempts,
      retryBaseMs: options.retryBaseMs,
      log: options.log,
    });
    return {
      stop: async () => {
        await poller.stop();
        dynamodb.destroy();
      },
    };
  } catch (e) {
    dynamodb.destroy();
    throw e;
  }
}
