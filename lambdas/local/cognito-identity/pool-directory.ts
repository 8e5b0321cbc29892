/**
 * The pools capability's directory (domain/pools/ports.ts) over the local Cognito Identity: a pool
 * exists when CreateIdentityPool made it on this endpoint.
 */
import type { PoolDirectory } from '../../src/domain/pools/ports';
import type { LocalIdentityStore } from './identity-store';

export const localPoolDirectory = (store: Pick<LocalIdentityStore, 'getPool'>): PoolDirectory => ({
  exists: async (identityPoolId) => (await store.getPool(identityPoolId)) !== undefined,
});
