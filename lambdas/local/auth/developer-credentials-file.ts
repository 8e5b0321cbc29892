/**
 * The developer key pair of a persistent data directory: random, made on its first start, kept
 * (mode 0600) next to the data it unlocks. The published default pair stays for `--in-memory` and
 * the tests; a data directory that outlives a session deserves a key no web page can know.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomDeveloperCredentials, type DeveloperCredentials } from './credentials';
import { LocalRuntimeError } from '../process/errors';

export const DEVELOPER_CREDENTIALS_FILE = 'developer-credentials.json';

export interface StoredDeveloperCredentials {
  readonly credentials: DeveloperCredentials;
  readonly file: string;
  /** True when this call made them (the first start of this data directory). */
  readonly created: boolean;
}

/** Reads `<dataDir>/developer-credentials.json`, creating it on first start. `dataDir` must exist. */
export function loadOrCreateDeveloperCredentials(dataDir: string): StoredDeveloperCredentials {
  const file = path.join(dataDir, DEVELOPER_CREDENTIALS_FILE);
  let created = false;
  try {
    // 'wx' fails when the file exists: a second start never replaces the pair clients already use.
    writeFileSync(file, `${JSON.stringify(randomDeveloperCredentials(), null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return { credentials: parse(file, readFileSync(file, 'utf8')), file, created };
}

function parse(file: string, text: string): DeveloperCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const { accessKeyId, secretAccessKey } = (value ?? {}) as Partial<Record<keyof DeveloperCredentials, unknown>>;
  if (typeof accessKeyId !== 'string' || !accessKeyId || typeof secretAccessKey !== 'string' || !secretAccessKey) {
    throw new LocalRuntimeError(
      `${file} does not hold a developer key pair ({ "accessKeyId": "...", "secretAccessKey": "..." }). ` +
        'Fix it, or delete it to generate a new pair on the next start.',
    );
  }
  return { accessKeyId, secretAccessKey };
}
