/**
 * `open-cognito-sync migrate` as an operator runs it (issue 13): flags only, the standard AWS
 * credential chain (here the environment's keys: the source's developer pair), the target through
 * the target endpoint's edge port (`--target-endpoint`), `--checkpoint`, `--verify`, `--report`,
 * `--dry-run`; `export` and `import` through a file into a third table; and bad flags answered with
 * the usage and exit code 2.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand } from '@aws-sdk/client-cognito-sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand, importCommand } from '../../lambdas/migration/file-commands';
import { migrateCommand } from '../../lambdas/migration/migrate/command';
import { DEVICES_NOTE } from '../../lambdas/migration/migrate/runner';
import { freshTable } from '../helpers/dynamodb-local';
import { type Endpoint, startEndpoint } from '../helpers/local-endpoint';

let sourceEndpoint: Endpoint;
let targetEndpoint: Endpoint;
let directory: string;
let pool: string;
const saved = { ...process.env };

/** stdout and stderr as text; stderr is not a terminal, so progress comes as plain lines. */
function captured() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (text: string) => out.push(text) > 0 } as unknown as NodeJS.WritableStream,
      stderr: { isTTY: false, write: (text: string) => err.push(text) > 0 } as unknown as NodeJS.WriteStream,
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

beforeAll(async () => {
  [sourceEndpoint, targetEndpoint] = await Promise.all([startEndpoint(), startEndpoint()]);
  directory = await mkdtemp(join(tmpdir(), 'migration-cli-'));
  pool = await sourceEndpoint.identityPoolId();
  const developer = new CognitoSyncClient({ region: sourceEndpoint.region, endpoint: sourceEndpoint.url, credentials: sourceEndpoint.developerCredentials });
  for (let i = 0; i < 3; i++) {
    const { identityId } = await sourceEndpoint.newIdentity(pool);
    const ids = { IdentityPoolId: pool, IdentityId: identityId, DatasetName: 'settings' };
    const { SyncSessionToken } = await developer.send(new ListRecordsCommand(ids));
    await developer.send(new UpdateRecordsCommand({ ...ids, SyncSessionToken, RecordPatches: [{ Op: 'replace', Key: 'k', Value: `v${i}`, SyncCount: 0 }] }));
  }
  developer.destroy();
  // The standard chain finds these first: the source's developer credentials.
  process.env.AWS_ACCESS_KEY_ID = sourceEndpoint.developerCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sourceEndpoint.developerCredentials.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}, 120_000);

afterAll(async () => {
  process.env = saved;
  await Promise.all([sourceEndpoint?.close(), targetEndpoint?.close()]);
  if (directory) await rm(directory, { recursive: true, force: true });
});

const flags = () => [
  '--source-endpoint',
  sourceEndpoint.url,
  '--identity-pool-id',
  pool,
  '--target-table',
  targetEndpoint.tableName,
  '--target-endpoint',
  targetEndpoint.url,
  '--target-region',
  targetEndpoint.region,
  '--checkpoint',
  join(directory, 'checkpoint.json'),
  '--rate',
  '200',
];

describe('open-cognito-sync migrate', () => {
  it('copies, verifies and reports; a dry run after it finds nothing to copy', async () => {
    const first = captured();
    const report = join(directory, 'report.json');
    expect(await migrateCommand([...flags(), '--verify', '--report', report], first.io)).toBe(0);
    expect(first.stdout()).toContain('Copied 3 datasets (3 records');
    expect(first.stdout()).toContain('no differences between source and target');
    expect(first.stdout()).toContain(DEVICES_NOTE);
    expect(first.stderr()).toMatch(/identities 3\/3 datasets 3 \(copied 3, unchanged 0, conflicts 0\)/);
    const json = JSON.parse(await readFile(report, 'utf8')) as { migration: { datasets: { copied: number } }; verify: { differenceCount: number } };
    expect(json.migration.datasets.copied).toBe(3);
    expect(json.verify.differenceCount).toBe(0);
    expect(await readFile(join(directory, 'checkpoint.json'), 'utf8')).toContain(pool);

    const dry = captured();
    expect(await migrateCommand([...flags(), '--dry-run'], dry.io)).toBe(0);
    expect(dry.stdout()).toContain('Dry run: would copy 0 datasets');
    expect(dry.stdout()).toContain('unchanged: 3');
  });

  it('exports to a file and imports it into a third table, each verified against the other side', async () => {
    const file = join(directory, 'backup.jsonl');
    const exported = captured();
    expect(await exportCommand(['--source-endpoint', sourceEndpoint.url, '--identity-pool-id', pool, '--out', file, '--verify'], exported.io)).toBe(0);
    expect(exported.stdout()).toContain('Exported 3 datasets (3 records) of 3 identities in 1 pools');
    expect(exported.stdout()).toContain('no differences between source and file');
    const third = await freshTable('migration-cli-import');
    try {
      const imported = captured();
      const argv = ['--in', file, '--target-table', third.tableName, '--target-endpoint', third.endpoint, '--target-region', sourceEndpoint.region, '--verify'];
      expect(await importCommand(argv, imported.io)).toBe(0);
      expect(imported.stdout()).toContain('Imported 3 datasets (3 records) of 3 in the file; unchanged 0, conflicts 0');
      expect(imported.stdout()).toContain('no differences between file and target');
      // Again: nothing written twice.
      const again = captured();
      expect(await importCommand(argv, again.io)).toBe(0);
      expect(again.stdout()).toContain('Imported 0 datasets (0 records) of 3 in the file; unchanged 3, conflicts 0');
    } finally {
      third.client.destroy();
    }
  });

  it('answers bad flags with the usage and exit code 2, before touching anything', async () => {
    for (const argv of [
      ['--target-table', 'x'],
      ['--identity-pool-id', pool],
      [...flags(), '--concurrency', '0'],
      [...flags(), '--rate', 'fast'],
      [...flags(), '--no-such-flag'],
    ]) {
      const run = captured();
      expect(await migrateCommand(argv, run.io), argv.join(' ')).toBe(2);
      expect(run.stderr()).toContain('Usage: open-cognito-sync migrate');
    }
    const noFile = captured();
    expect(await exportCommand(['--all-pools'], noFile.io)).toBe(2);
    expect(noFile.stderr()).toContain('Usage: open-cognito-sync export');
    const noTable = captured();
    expect(await importCommand(['--in', 'x.jsonl'], noTable.io)).toBe(2);
    expect(noTable.stderr()).toContain('Usage: open-cognito-sync import');
  });
});
