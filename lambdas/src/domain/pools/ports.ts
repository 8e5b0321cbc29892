/**
 * The narrow ports of the pools capability (see ../records/ports.ts for the convention): the pool's
 * configuration item, read and replaced under a version, and the directory that says which pools exist.
 */
import type { PoolSettings } from './model';

/** A pool's stored settings and the version they were written at (0: never written). */
export interface VersionedSettings {
  readonly settings: PoolSettings;
  readonly version: number;
}

export interface PoolSettingsStore {
  read(identityPoolId: string): Promise<VersionedSettings>;
  /**
   * Stores `settings` as version `expectedVersion + 1`, only if the stored version is still
   * `expectedVersion`; answers false, having written nothing, when another writer got there first.
   */
  replace(identityPoolId: string, settings: PoolSettings, expectedVersion: number): Promise<boolean>;
}

/** Which identity pools exist (the Cognito Identity the deployment trusts). */
export interface PoolDirectory {
  exists(identityPoolId: string): Promise<boolean>;
}

/** A directory that knows no pool list: every well-formed pool id exists. */
export const EVERY_POOL: PoolDirectory = { exists: async () => true };
