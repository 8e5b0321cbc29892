/**
 * The client settings for DynamoDB Local, written once for all who talk to one: the runtime (when
 * `DYNAMODB_ENDPOINT` points at one), the local server, the tests and the bench. It lives with the
 * adapter rather than in lambdas/local/ because deployed code must not import the local runtime.
 */

/** Region and credentials for DynamoDB Local: with `-sharedDb` it ignores both, but the SDK wants them. */
export const DYNAMODB_LOCAL_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;
