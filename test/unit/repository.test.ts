/**
 * The repository stands alone: what a fresh clone holds is all a reader is pointed at. Notes that
 * lived beside the project while it was written (a `shared` directory next to the clone, its design
 * notes and behaviour spec) are not part of it, so nothing may refer to them; the project's own
 * account is under docs/. And every `docs/<file>.md#<section>` reference names a file and a heading
 * that exist, so renaming a section cannot leave comments pointing nowhere.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

/** Files git tracks or would track (untracked but not ignored): what a clone, or the next commit, holds. */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' });
  return [...new Set(out.split('\0').filter((f) => f !== '' && existsSync(path.join(ROOT, f))))];
}

const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

// Built from parts (or case-insensitive) so that this file does not match itself, nor a grep for them.
const OUTSIDE_REFERENCES: readonly RegExp[] = [
  new RegExp(['\\.\\.', 'shared'].join('/')),
  /design\.md/i,
  new RegExp(['spec', 'cognito-sync\\.md'].join('/')),
  new RegExp(['spec', '§'].join(' ')),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const anchorsOf = (markdown: string): Set<string> =>
  new Set(
    markdown
      .split('\n')
      .filter((line) => /^#{1,6}\s/.test(line))
      .map((line) => headingAnchor(line.replace(/^#+\s*/, ''))),
  );

describe('the repository', () => {
  it('refers to no document outside it (the notes it was written from are not in a clone)', () => {
    const offenders = repositoryFiles()
      .filter((file) => !file.startsWith('docs/') && file !== 'package-lock.json')
      .flatMap((file) => {
        const text = read(file);
        return OUTSIDE_REFERENCES.filter((re) => re.test(text)).map((re) => `${file}: ${re.source}`);
      });
    expect(offenders).toEqual([]);
  });

  it('has its own behaviour and decisions under docs/', () => {
    for (const doc of ['docs/README.md', 'docs/behaviour.md', 'docs/decisions.md']) {
      expect(existsSync(path.join(ROOT, doc)), doc).toBe(true);
    }
  });

  it('points only at docs/ files and sections that exist', () => {
    const reference = /docs\/([\w-]+\.md)(?:#([\w-]+))?/g;
    const broken: string[] = [];
    for (const file of repositoryFiles().filter((f) => f !== 'package-lock.json')) {
      for (const [, doc, anchor] of read(file).matchAll(reference)) {
        const target = path.join(ROOT, 'docs', doc);
        if (!existsSync(target)) broken.push(`${file}: docs/${doc}`);
        else if (anchor !== undefined && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
          broken.push(`${file}: docs/${doc}#${anchor}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('has no markdown link to a file or section that does not exist', () => {
    // `[text](target)` with a relative target; web addresses are not checked here.
    const link = /\]\(([^)\s]*)\)/g;
    const broken: string[] = [];
    for (const file of repositoryFiles().filter((f) => f.endsWith('.md'))) {
      for (const [, target] of read(file).matchAll(link)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [linked, anchor] = target.split('#');
        const resolved = linked === '' ? path.join(ROOT, file) : path.resolve(ROOT, path.dirname(file), linked);
        if (!existsSync(resolved)) broken.push(`${file}: ${target}`);
        else if (anchor && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) {
          broken.push(`${file}: ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('headingAnchor', () => {
  it('follows GitHub: "Who may call what" -> who-may-call-what, punctuation dropped', () => {
    expect(headingAnchor('Who may call what')).toBe('who-may-call-what');
    expect(headingAnchor('Tokens (SyncSessionToken, NextToken)')).toBe('tokens-syncsessiontoken-nexttoken');
    expect(headingAnchor('1. One table')).toBe('1-one-table');
  });
});
