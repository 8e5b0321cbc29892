/**
 * GetIdentityPoolConfiguration and SetIdentityPoolConfiguration over a pool's one settings item.
 *
 * Set is a read-merge-write under the item's version: a member present replaces, a member absent
 * stays (the merge of `mergeSettings`). Two Sets racing on one pool cannot interleave: the loser's
 * conditional write fails, and it merges again over the winner's settings, so both apply in order.
 * A writer that keeps losing gives up with ConcurrentModificationException, having written nothing.
 */
import { Errors } from '../../errors';
import type { PoolConfiguration, PoolRef, PoolSettings, SetPoolConfigurationInput } from './model';
import type { PoolDirectory, PoolSettingsStore } from './ports';

/** Attempts of one Set before ConcurrentModificationException: enough for a handful of racing writers. */
export const SET_ATTEMPTS = 8;

export interface PoolConfigurationsDeps {
  readonly store: PoolSettingsStore;
  readonly directory: PoolDirectory;
}

/** The settings after a Set: each member the input names replaces the stored one whole. */
export function mergeSettings(stored: PoolSettings, input: PoolSettings): PoolSettings {
  const PushSync = input.PushSync ?? stored.PushSync;
  const CognitoStreams = input.CognitoStreams ?? stored.CognitoStreams;
  // Events live on the same item but are SetCognitoEvents' to change: carried over untouched.
  const Events = stored.Events;
  return { ...(PushSync && { PushSync }), ...(CognitoStreams && { CognitoStreams }), ...(Events && { Events }) };
}

export class PoolConfigurations {
  constructor(private readonly deps: PoolConfigurationsDeps) {}

  async get(ref: PoolRef): Promise<PoolConfiguration> {
    await this.requirePool(ref.IdentityPoolId);
    const { settings } = await this.deps.store.read(ref.IdentityPoolId);
    return answer(ref.IdentityPoolId, settings);
  }

  async set(input: SetPoolConfigurationInput): Promise<PoolConfiguration> {
    const poolId = input.IdentityPoolId;
    await this.requirePool(poolId);
    for (let attempt = 0; attempt < SET_ATTEMPTS; attempt++) {
      const { settings, version } = await this.deps.store.read(poolId);
      const merged = mergeSettings(settings, input);
      if (await this.deps.store.replace(poolId, merged, version)) return answer(poolId, merged);
    }
    throw Errors.concurrentModification(`Identity pool ${poolId} configuration was modified concurrently; retry the request.`);
  }

  private async requirePool(identityPoolId: string): Promise<void> {
    if (!(await this.deps.directory.exists(identityPoolId))) throw Errors.resourceNotFound(`Identity pool '${identityPoolId}' was not found.`);
  }
}

/** The configuration's members only: Events are GetCognitoEvents' answer, not this one's. */
const answer = (IdentityPoolId: string, { PushSync, CognitoStreams }: PoolSettings): PoolConfiguration => ({
  IdentityPoolId,
  ...(PushSync && { PushSync }),
  ...(CognitoStreams && { CognitoStreams }),
});
