/**
 * The data directory is this user's alone (0700): it holds the server key, the developer key pair
 * and the DynamoDB Local file, which SQLite creates world-readable (0644) whatever we ask.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dataDir` (and its parents) 0700, or takes group and other access away from ours. */
export function preparePrivateDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const stat = statSync(dataDir);
  // A directory made by an earlier version (0755), or by hand: tighten it if it is ours to tighten.
  const ours = typeof process.getuid !== 'function' || stat.uid === process.getuid();
  if (ours && (stat.mode & 0o077) !== 0) chmodSync(dataDir, PRIVATE_DIR_MODE);
}
