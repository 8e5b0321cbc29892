/**
 * The feed of one configuration: every consumer of FEED_CONSUMERS, built once, over the table's
 * records. The deployed stream function builds it from the process's configuration; the local
 * poller from the local server's.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBCommittedRecordsReader } from '../adapters/dynamodb/stream-records-reader';
import type { SyncConfig } from '../config';
import type { FeedConsumer } from '../domain/feed/committed-sync';
import { FEED_CONSUMERS, type FeedConsumerFactory } from './consumers';
import { createFeed, type Feed, type FeedObserver } from './run-feed';

export interface FeedSettings {
  readonly config: SyncConfig;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly observer?: FeedObserver;
  /** Default FEED_CONSUMERS; tests give their own. */
  readonly consumers?: readonly FeedConsumerFactory[];
}

export async function buildFeed(settings: FeedSettings): Promise<Feed> {
  const { config, dynamodb, tableName } = settings;
  const consumers: FeedConsumer[] = [];
  // In order: the list's order is the order each event is handed to them.
  for (const factory of settings.consumers ?? FEED_CONSUMERS) consumers.push(await factory({ config, dynamodb, tableName }));
  return createFeed(consumers, new DynamoDBCommittedRecordsReader(dynamodb, tableName), settings.observer);
}
