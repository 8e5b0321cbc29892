/** The console's built files are served from its build directory only (lambdas/local/console/static-files.ts). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readStaticFile } from '../../lambdas/local/console/static-files';

let parent: string;
let root: string;

beforeAll(() => {
  parent = mkdtempSync(path.join(tmpdir(), 'console-static-'));
  root = path.join(parent, 'dist');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'export {}');
  // Beside the build directory, as a developer's credentials file might be.
  writeFileSync(path.join(parent, 'secret.json'), '{}');
  writeFileSync(path.join(parent, 'dist-other.txt'), 'not the build');
});

afterAll(() => rmSync(parent, { recursive: true, force: true }));

it('serves the index for the bare path, and hashed assets as immutable', async () => {
  expect(await readStaticFile(root, '')).toMatchObject({ contentType: 'text/html; charset=utf-8', immutable: false });
  const asset = await readStaticFile(root, 'assets/index-abc.js');
  expect(asset).toMatchObject({ contentType: 'text/javascript; charset=utf-8', immutable: true });
  expect(asset?.body.toString()).toBe('export {}');
});

it.each(['../secret.json', 'assets/../../secret.json', '/etc/passwd', '../dist-other.txt', 'assets', 'missing.js', 'index.html\u0000.js'])(
  'serves nothing for %j',
  async (wanted) => {
    expect(await readStaticFile(root, wanted)).toBeUndefined();
  },
);
