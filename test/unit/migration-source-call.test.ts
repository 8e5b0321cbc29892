/**
 * The source's call hook (lambdas/migration/source/call.ts): what the default retry retries, how
 * long it waits, and how hooks chain.
 */
import { describe, expect, it } from 'vitest';
import { chainCalls, isThrottling, retryingCall, type SourceCall } from '../../lambdas/migration/source/call';

const awsError = (name: string, httpStatusCode: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });

/** An attempt that fails with `errors` in turn, then answers 'ok'. */
const failing = (...errors: Error[]) => {
  let calls = 0;
  const attempt = async () => {
    const error = errors[calls++];
    if (error) throw error;
    return 'ok';
  };
  return { attempt, calls: () => calls };
};

describe('retryingCall', () => {
  const waits: number[] = [];
  const retry = (maxAttempts = 8) =>
    retryingCall({
      maxAttempts,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

  it('retries throttling and service faults, waiting half (the jitter here) of a doubling ceiling that stops at the maximum', async () => {
    waits.length = 0;
    const throttle = () => awsError('TooManyRequestsException', 429);
    const f = failing(
      throttle(),
      awsError('InternalErrorException', 500),
      throttle(),
      throttle(),
      throttle(),
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    );
    expect(await retry()('ListRecords', f.attempt)).toBe('ok');
    expect(f.calls()).toBe(7);
    expect(waits).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('throws what no retry cures at once: a refused signature, a missing pool, a dataset limit', async () => {
    for (const error of [awsError('NotAuthorizedException', 403), awsError('ResourceNotFoundException', 404), awsError('LimitExceededException', 400)]) {
      const f = failing(error);
      await expect(retry()('ListRecords', f.attempt)).rejects.toBe(error);
      expect(f.calls()).toBe(1);
    }
  });

  it('gives up after maxAttempts with the last error', async () => {
    const errors = Array.from({ length: 3 }, () => awsError('TooManyRequestsException', 429));
    const f = failing(...errors);
    await expect(retry(3)('ListIdentities', f.attempt)).rejects.toBe(errors[2]);
    expect(f.calls()).toBe(3);
  });
});

describe('isThrottling', () => {
  it("takes Cognito Identity's 429 LimitExceededException as throttling, not Cognito Sync's 400", () => {
    expect(isThrottling(awsError('LimitExceededException', 429))).toBe(true);
    expect(isThrottling(awsError('LimitExceededException', 400))).toBe(false);
    expect(isThrottling(awsError('SomethingNew', 429))).toBe(true);
  });
});

describe('chainCalls', () => {
  it('passes each retried attempt through the inner hook (a rate limiter counts retries too)', async () => {
    const seen: string[] = [];
    const counting: SourceCall = (operation, attempt) => {
      seen.push(operation);
      return attempt();
    };
    const f = failing(awsError('TooManyRequestsException', 429));
    const call = chainCalls(retryingCall({ sleep: async () => {} }), counting);
    expect(await call('DescribeDataset', f.attempt)).toBe('ok');
    expect(seen).toEqual(['DescribeDataset', 'DescribeDataset']);
  });
});
