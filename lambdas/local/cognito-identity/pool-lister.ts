/**
 * The pools ListIdentityPoolUsage lists locally: those the local Cognito Identity knows, in id order
 * (identity-store.ts); the cursor is the last pool id of the page.
 */
import type { PoolLister } from '../../src/domain/pools/usage-ports';
import type { LocalIdentityStore } from './identity-store';

export const localPoolLister = (store: Pick<LocalIdentityStore, 'listPools'>): PoolLister => ({
  list: async (maxResults, cursor) => {
    const page = await store.listPools(maxResults, cursor);
    return { identityPoolIds: page.items.map((pool) => pool.identityPoolId), ...(page.after !== undefined ? { cursor: page.after } : {}) };
  },
});
