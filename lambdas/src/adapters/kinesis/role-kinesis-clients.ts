/**
 * One Kinesis client per (pool, role), signing with the role's credentials (STS AssumeRole with the
 * pool id as external id, cached until shortly before they expire: adapters/aws/role-credentials.ts).
 * Locally `endpoint` is moto (or the edge port, whose STS and Kinesis are moto's).
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { StreamTarget } from '../../domain/streams/ports';
import type { RoleCredentials } from '../aws/role-credentials';

/** Names this service's sessions in the developer's CloudTrail. */
export const STREAMS_SESSION_NAME = 'cognito-sync-streams';

export function roleKinesisClients(roles: RoleCredentials, region: string, endpoint?: string): (target: StreamTarget) => KinesisClient {
  const clients = new Map<string, KinesisClient>();
  return (target) => {
    const cacheKey = `${target.identityPoolId} ${target.roleArn}`;
    let client = clients.get(cacheKey);
    if (!client) {
      const credentials = roles.provider({ roleArn: target.roleArn, sessionName: STREAMS_SESSION_NAME, externalId: target.identityPoolId });
      // An emulator speaks HTTP/1.1 (moto does), and the Kinesis client would otherwise use HTTP/2.
      client = new KinesisClient({ region, ...(endpoint && { endpoint, requestHandler: new NodeHttpHandler() }), credentials });
      clients.set(cacheKey, client);
    }
    return client;
  };
}
