/**
 * `npm start -- --function NAME=FILE[#EXPORT]` (README's options table): what the parser takes, and
 * the one-line error it gives for everything else, which bin/local.ts prints after `error:` with the
 * usage line and exits 1 before starting anything.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFunctionFiles, FunctionRegistry, parseFunctionArgument, parseFunctionArguments } from '../../lambdas/local/lambda/function-registry';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const USAGE_HINT = 'expected --function NAME=path/to/handler.{js,mjs,ts}[#export]';
const NAME_RULE = 'a function name has 1-64 letters, digits, - or _';

describe('parseFunctionArgument accepts', () => {
  it.each([
    // README's own example.
    ['score-guard=./triggers/score-guard.ts', { name: 'score-guard', file: './triggers/score-guard.ts' }],
    ['score-guard=./triggers/score-guard.ts#guard', { name: 'score-guard', file: './triggers/score-guard.ts', exportName: 'guard' }],
    ['cap_score=/srv/triggers/cap.mjs#$handle_2', { name: 'cap_score', file: '/srv/triggers/cap.mjs', exportName: '$handle_2' }],
    ['A-9_z=triggers/cap.js', { name: 'A-9_z', file: 'triggers/cap.js' }],
    ['cap=cap.cjs', { name: 'cap', file: 'cap.cjs' }],
    ['cap=cap.cts#_private', { name: 'cap', file: 'cap.cts', exportName: '_private' }],
    ['cap=../up/cap.mts', { name: 'cap', file: '../up/cap.mts' }],
    // Only the first '=' ends the name: the path may hold more.
    ['cap=dir=x/cap.ts', { name: 'cap', file: 'dir=x/cap.ts' }],
    [`${'n'.repeat(64)}=cap.ts`, { name: 'n'.repeat(64), file: 'cap.ts' }],
  ])('%s', (argument, spec) => {
    expect(parseFunctionArgument(argument)).toEqual(spec);
  });
});

describe('parseFunctionArgument refuses', () => {
  it.each([
    ['score-guard', USAGE_HINT],
    ['', USAGE_HINT],
    ['=cap.ts', USAGE_HINT],
    ['cap=', USAGE_HINT],
    ['cap=#handler', USAGE_HINT],
    ['cap=cap', USAGE_HINT],
    ['cap=cap.py', USAGE_HINT],
    ['cap=cap.TS', USAGE_HINT],
    ['cap=cap.ts.bak', USAGE_HINT],
    ['cap=cap.ts#handler#more', USAGE_HINT],
    [`${'n'.repeat(65)}=cap.ts`, NAME_RULE],
    ['cap.score=cap.ts', NAME_RULE],
    ['cap score=cap.ts', NAME_RULE],
    ['cap:1=cap.ts', NAME_RULE],
    ['cap=cap.ts#', "nothing follows '#': name the export, or leave out '#' for 'handler'"],
    ['cap=cap.ts#1st', "'1st' is not an export name"],
    ['cap=cap.ts#my-handler', "'my-handler' is not an export name"],
    ['cap=cap.ts#default.handler', "'default.handler' is not an export name"],
  ])('%j', (argument, why) => {
    expect(() => parseFunctionArgument(argument)).toThrow(new Error(`--function ${argument}: ${why}`));
  });
});

describe('parseFunctionArguments', () => {
  it('takes several, in the order given', () => {
    expect(parseFunctionArguments(['score-guard=./triggers/score-guard.ts', 'cap=/srv/cap.js#cap'])).toEqual([
      { name: 'score-guard', file: './triggers/score-guard.ts' },
      { name: 'cap', file: '/srv/cap.js', exportName: 'cap' },
    ]);
    expect(parseFunctionArguments([])).toEqual([]);
  });

  it('refuses a NAME given twice, naming both arguments', () => {
    expect(() => parseFunctionArguments(['cap=a.ts', 'other=b.ts', 'cap=c.ts#cap'])).toThrow(
      new Error('--function cap=c.ts#cap: the function cap is already given by --function cap=a.ts'),
    );
  });

  it('refuses the first malformed argument with its own error', () => {
    expect(() => parseFunctionArguments(['cap=a.ts', 'cap=b.ts#'])).toThrow(/^--function cap=b\.ts#: nothing follows '#'/);
  });
});

it('registers a parsed function under its ARN, its file made absolute and its export defaulting to handler', () => {
  const registry = new FunctionRegistry('us-east-1', '123456789012', parseFunctionArguments(['score-guard=./triggers/score-guard.ts']));
  expect(registry.list()).toEqual([
    {
      name: 'score-guard',
      file: path.resolve('triggers/score-guard.ts'),
      exportName: 'handler',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:score-guard',
    },
  ]);
});

describe('the files of --function', () => {
  it('are looked for where the path points from the working directory, and a missing one is named with where it was looked for', () => {
    const looked: string[] = [];
    const exists = (file: string) => {
      looked.push(file);
      return file.endsWith('here.ts');
    };
    expect(() => checkFunctionFiles(parseFunctionArguments(['a=./here.ts', 'b=/abs/here.ts']), exists)).not.toThrow();
    expect(looked).toEqual([path.resolve('here.ts'), '/abs/here.ts']);
    expect(() => checkFunctionFiles(parseFunctionArguments(['a=./here.ts', 'b=./gone.ts#run']), exists)).toThrow(
      `--function b=./gone.ts: no such file (${path.resolve('gone.ts')})`,
    );
  });
});

describe('npm start with a bad --function', () => {
  it('prints the error and the usage line, without a stack, and exits 1 before starting anything', () => {
    const run = spawnSync(TSX, ['bin/local.ts', '--in-memory', '--port', '0', '--function', 'cap=a.ts', '--function', 'cap=b.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'error: --function cap=b.ts: the function cap is already given by --function cap=a.ts\nUsage: npm start -- [--in-memory] [--port N]',
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).not.toContain('local endpoint ready');
  });

  it('refuses a file that is not there before starting anything', () => {
    const run = spawnSync(TSX, ['bin/local.ts', '--in-memory', '--port', '0', '--function', 'cap=./triggers/no-such-trigger.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `error: --function cap=./triggers/no-such-trigger.ts: no such file (${path.join(ROOT, 'triggers/no-such-trigger.ts')})\nUsage:`,
    );
    expect(run.stdout).not.toContain('local endpoint ready');
  });
});
