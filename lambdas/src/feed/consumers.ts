/**
 * The change feed's consumers, in the order each event is handed to them: the one list that both
 * the deployed stream function and the local poller run. Each entry builds its consumer once per
 * process from what every consumer may need; a consumer brings its own other clients (SNS, Kinesis).
 *
 * Add a consumer with one line here (usage counters, Cognito Streams, push sync).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SyncConfig } from '../config';
import type { FeedConsumer } from '../domain/feed/committed-sync';
import { usageCounters } from './usage-counters';
import { cognitoStreamsConsumer } from './cognito-streams';
import { pushNotifier } from './push-notifier';

export interface FeedDependencies {
  readonly config: SyncConfig;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}

export type FeedConsumerFactory = (dependencies: FeedDependencies) => FeedConsumer | Promise<FeedConsumer>;

export const FEED_CONSUMERS: readonly FeedConsumerFactory[] = [usageCounters, cognitoStreamsConsumer, pushNotifier];
