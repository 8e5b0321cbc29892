/**
 * The local server's secret: it signs the session credentials of the local Cognito Identity and is
 * handed to the handlers as the SyncSessionToken / pagination token key. Kept next to the data so
 * that tokens and credentials stay valid across restarts, exactly as long as the data does.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalRuntimeError } from '../process/errors';

export const SERVER_KEY_BYTES = 32;
export const SERVER_KEY_FILE = 'local-secret.key';

/** A fresh key for a process whose data dies with it (`--in-memory`, tests). */
export const ephemeralServerKey = (): Buffer => randomBytes(SERVER_KEY_BYTES);

/** Reads `<dataDir>/local-secret.key`, creating it (mode 0600) on first start. */
export function loadOrCreateServerKey(dataDir: string): Buffer {
  const file = path.join(dataDir, SERVER_KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    // 'wx' fails when the file exists, so two processes starting at once cannot overwrite each other.
    writeFileSync(file, randomBytes(SERVER_KEY_BYTES), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const key = readFileSync(file);
  if (key.length !== SERVER_KEY_BYTES) {
    throw new LocalRuntimeError(
      `${file} is not a ${SERVER_KEY_BYTES}-byte key (it has ${key.length} bytes). ` +
        'Delete it to generate a new one (sessions and tokens issued before will no longer be valid).',
    );
  }
  return key;
}
