import { describe, expect, it } from 'vitest';
import { headerValue } from '../../lambdas/src/protocol/headers';
import { firstDuplicate } from '../../lambdas/src/common/duplicates';

describe('firstDuplicate', () => {
  it('names the value whose second occurrence comes first, exactly as written', () => {
    expect(firstDuplicate(['a', 'b', 'b', 'a'])).toBe('b');
    expect(firstDuplicate(['a', 'b', 'a', 'b'])).toBe('a');
    expect(firstDuplicate(['k', 'K', 'k\u0301'])).toBeUndefined();
    expect(firstDuplicate([])).toBeUndefined();
  });
});

describe('headerValue', () => {
  it('finds a header in any spelling of its name', () => {
    const headers = { 'Content-Type': 'application/json', 'x-amzn-requestid': 'r1' };
    expect(headerValue(headers, 'content-type')).toBe('application/json');
    expect(headerValue(headers, 'X-Amzn-RequestId')).toBe('r1');
    expect(headerValue(headers, 'origin')).toBeUndefined();
    expect(headerValue(undefined, 'origin')).toBeUndefined();
  });
});
