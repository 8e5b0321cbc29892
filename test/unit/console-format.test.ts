/** How counts read in the local console (lambdas/local/console/app/format.ts): "1 record changed", never "1 records changed". */
import { describe, expect, it } from 'vitest';
import { counted } from '../../lambdas/local/console/app/format';

describe('counted', () => {
  it.each([
    [0, '0 records'],
    [1, '1 record'],
    [2, '2 records'],
    [1024, '1024 records'],
  ])('%i record(s) reads %s', (count, text) => {
    expect(counted(count, 'record')).toBe(text);
  });

  it('takes an irregular plural', () => {
    expect(counted(1, 'identity', 'identities')).toBe('1 identity');
    expect(counted(3, 'identity', 'identities')).toBe('3 identities');
  });
});
