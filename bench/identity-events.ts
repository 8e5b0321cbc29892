/**
 * The payload 2.0 events the benches hand the entry points in-process: what API Gateway would send
 * for one Cognito identity (unauthenticated, signed with its session credentials). Shared by the
 * memory bench and the function-size measurement, which both drive the handlers without HTTP.
 */
import { randomUUID } from 'node:crypto';
import type { SyncHttpEvent } from '../lambdas/src/protocol/http-event';
import { buildSyncHttpEvent } from '../lambdas/local/http/event';

export interface IdentityEvents {
  /** `/identitypools/<pool>/identities/<identity>/datasets`, labels encoded. */
  readonly base: string;
  /** An event of this identity for `method rawPath?query` with a JSON body. */
  event(method: string, rawPath: string, query?: string, body?: object): SyncHttpEvent;
}

export function identityEvents(pool: string, identity: string): IdentityEvents {
  const caller = {
    accessKey: 'ASIABENCH',
    accountId: '000000000000',
    callerId: 'bench',
    userArn: 'arn:aws:sts::000000000000:assumed-role/bench/CognitoIdentityCredentials',
    userId: 'bench',
    cognitoIdentity: { amr: ['unauthenticated'], identityId: identity, identityPoolId: pool },
  };
  return {
    base: `/identitypools/${encodeURIComponent(pool)}/identities/${encodeURIComponent(identity)}/datasets`,
    event: (method, rawPath, query = '', body) =>
      buildSyncHttpEvent(
        {
          method,
          rawPath,
          rawQueryString: query,
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(body ? JSON.stringify(body) : ''),
          sourceIp: '127.0.0.1',
          protocol: 'HTTP/1.1',
        },
        caller,
        { requestId: randomUUID(), nowMs: Date.now() },
      ),
  };
}
