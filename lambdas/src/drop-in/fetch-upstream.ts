/**
 * Cognito Identity over HTTPS: the relay's upstream. Deployed, the region's endpoint
 * (`https://cognito-identity.<region>.amazonaws.com/`); in the tests, the local endpoint.
 */
import type { CognitoIdentityUpstream } from './ports';

/** A call that takes longer fails the relay's answer (500) rather than its function's timeout. */
const UPSTREAM_TIMEOUT_MS = 10_000;

export const regionalCognitoIdentityEndpoint = (region: string): string => `https://cognito-identity.${region}.amazonaws.com/`;

export function fetchUpstream(endpoint: string): CognitoIdentityUpstream {
  return async (target, body, userAgent) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        ...(userAgent ? { 'user-agent': userAgent } : {}),
      },
      body,
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
    return {
      statusCode: response.status,
      contentType: response.headers.get('content-type') ?? 'application/x-amz-json-1.1',
      requestId: response.headers.get('x-amzn-requestid') ?? undefined,
      errorType: response.headers.get('x-amzn-errortype') ?? undefined,
      body: Buffer.from(await response.arrayBuffer()),
    };
  };
}
