/**
 * The client settings for DynamoDB Local, written once for all who talk to one: the runtime (when
 * `DYNAMODB_ENDPOINT` points at one), the local server, the tests and the bench. It lives with the
 * adapter rather than in lambdas/local/ because deployed code must not import the local runtime.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Region and credentials for DynamoDB Local: with `-sharedDb` it ignores both, but the SDK wants them. */
export const DYNAMODB_LOCAL_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

/**
 * The DynamoDB client of a deployed function: the region's own endpoint, or DynamoDB Local's when
 * the configuration names one (`DYNAMODB_ENDPOINT`: tests and the bench run the entry points so).
 */
export function storageClient(region: string, storage: { readonly dynamodbEndpoint?: string }): DynamoDBClient {
  const endpoint = storage.dynamodbEndpoint;
  return new DynamoDBClient({ region, ...(endpoint ? { endpoint, credentials: DYNAMODB_LOCAL_CLIENT_CONFIG.credentials } : {}) });
}
