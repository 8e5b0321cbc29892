/**
 * The usage counters as a change-feed consumer (consumers.ts): DataStorage, SyncSessionsCount and
 * LastModifiedDate of each pool, kept on its `P#` items off the sync path (domain/pools/usage-counters.ts).
 */
import { DynamoDBPoolUsageStore } from '../adapters/dynamodb/pool-usage-store';
import { UsageCounters } from '../domain/pools/usage-counters';
import type { FeedConsumerFactory } from './consumers';

export const usageCounters: FeedConsumerFactory = ({ dynamodb, tableName }) => new UsageCounters(new DynamoDBPoolUsageStore(dynamodb, tableName));
