/** The pools capability's settings port in memory, with a hook that runs between a read and its write. */
import type { PoolSettings } from '../../lambdas/src/domain/pools/model';
import type { PoolSettingsStore, VersionedSettings } from '../../lambdas/src/domain/pools/ports';

export class MemoryPoolSettings implements PoolSettingsStore {
  readonly items = new Map<string, VersionedSettings>();
  /** Called at the start of every `replace`, before the version is compared: a racing writer goes here. */
  beforeReplace: (identityPoolId: string) => Promise<void> = async () => {};

  async read(identityPoolId: string): Promise<VersionedSettings> {
    return this.items.get(identityPoolId) ?? { settings: {}, version: 0 };
  }

  async replace(identityPoolId: string, settings: PoolSettings, expectedVersion: number): Promise<boolean> {
    await this.beforeReplace(identityPoolId);
    if ((this.items.get(identityPoolId)?.version ?? 0) !== expectedVersion) return false;
    this.items.set(identityPoolId, { settings: structuredClone(settings), version: expectedVersion + 1 });
    return true;
  }
}
