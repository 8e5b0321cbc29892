/**
 * The pools ListIdentityPoolUsage lists, deployed: the account's identity pools in this region, from
 * Cognito Identity's ListIdentityPools (granted to that one function; lib/access.ts), so a pool with
 * no sync data is listed with zeros, as on AWS (docs/behaviour.md#identity-pool-usage). One of our
 * pages is one of theirs: their MaxResults has our maximum (60), and the cursor is their NextToken,
 * which the domain seals into ours.
 */
import { CognitoIdentityClient, ListIdentityPoolsCommand } from '@aws-sdk/client-cognito-identity';
import type { PoolLister, PoolPage } from '../../domain/pools/usage-ports';

export class CognitoIdentityPoolLister implements PoolLister {
  constructor(private readonly client: CognitoIdentityClient) {}

  async list(maxResults: number, cursor?: string): Promise<PoolPage> {
    const out = await this.client.send(new ListIdentityPoolsCommand({ MaxResults: maxResults, NextToken: cursor }));
    const identityPoolIds = (out.IdentityPools ?? []).flatMap((pool) => (pool.IdentityPoolId ? [pool.IdentityPoolId] : []));
    return { identityPoolIds, ...(out.NextToken ? { cursor: out.NextToken } : {}) };
  }
}

/** The lister of the region's pools, with the function's own credentials. */
export const cognitoIdentityPoolLister = (region: string): PoolLister => new CognitoIdentityPoolLister(new CognitoIdentityClient({ region }));
