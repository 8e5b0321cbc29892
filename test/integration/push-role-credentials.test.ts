/**
 * The STS helper push sync (and Cognito Streams) assume the pool's role with: against a moto
 * started here, the credentials are cached until near their expiry and shared by concurrent callers;
 * STS refusals come out as RoleAssumptionError, never cached.
 */
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCredentials, RoleAssumptionError, RoleCredentials } from '../../lambdas/src/adapters/aws/role-credentials';
import { type Moto, startMoto } from '../../lambdas/local/emulators/moto';

const ROLE = { roleArn: 'arn:aws:iam::123456789012:role/push-sync', sessionName: 'cognito-sync-push', externalId: 'us-east-1:pool' };

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

/** An STS client against moto that counts the AssumeRole calls it makes (moto answers every one with new keys). */
function countingSts(): { sts: STSClient; calls: () => number } {
  const sts = new STSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: emulatorCredentials() });
  let calls = 0;
  sts.middlewareStack.add(
    (next) => async (args) => {
      calls += 1;
      return next(args);
    },
    { step: 'initialize' },
  );
  return { sts, calls: () => calls };
}

describe('RoleCredentials', () => {
  it('assumes the role through the configured endpoint and returns its session credentials', async () => {
    const roles = new RoleCredentials({ region: 'us-east-1', endpoint: moto.endpoint });
    try {
      const credentials = await roles.get(ROLE);
      expect(credentials.accessKeyId).toMatch(/^ASIA/);
      expect(credentials.sessionToken).toBeTruthy();
      expect(credentials.expiration?.getTime()).toBeGreaterThan(Date.now());
    } finally {
      roles.close();
    }
  });

  it('keeps the credentials until the margin before expiry, and shares one call between concurrent callers', async () => {
    const { sts, calls } = countingSts();
    let now = Date.now();
    const roles = new RoleCredentials({ region: 'us-east-1', sts, now: () => now, refreshMarginMs: 60_000 });
    const [a, b] = await Promise.all([roles.get(ROLE), roles.get(ROLE)]);
    expect(calls()).toBe(1);
    expect(b.accessKeyId).toBe(a.accessKeyId);
    expect((await roles.provider(ROLE)()).accessKeyId).toBe(a.accessKeyId);
    expect(calls()).toBe(1);
    // Another role, or another external id, is another set of credentials.
    await roles.get({ ...ROLE, externalId: 'us-east-1:other' });
    expect(calls()).toBe(2);
    // Inside the refresh margin: renewed.
    now = (a.expiration as Date).getTime() - 59_000;
    const renewed = await roles.get(ROLE);
    expect(calls()).toBe(3);
    expect(renewed.accessKeyId).not.toBe(a.accessKeyId);
    sts.destroy();
  });

  it("reports a refusal with STS's error name and does not cache it", async () => {
    const { sts, calls } = countingSts();
    let refuse = true;
    // moto assumes any role; a real STS refusing an untrusted role answers 403 AccessDenied, as this does.
    sts.middlewareStack.add(
      (next) => async (args) => {
        if (!refuse) return next(args);
        throw Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      },
      { step: 'finalizeRequest' },
    );
    const roles = new RoleCredentials({ region: 'us-east-1', sts });
    const failure = await roles.get(ROLE).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RoleAssumptionError);
    expect(failure).toMatchObject({ code: 'AccessDenied', refused: true, throttled: false, roleArn: ROLE.roleArn });
    refuse = false;
    await expect(roles.get(ROLE)).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/) });
    expect(calls()).toBe(2);
    sts.destroy();
  });

  it('reports an unreachable STS as a network error, neither refused nor throttled', async () => {
    const roles = new RoleCredentials({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', refreshMarginMs: 0 });
    try {
      await expect(roles.get(ROLE)).rejects.toMatchObject({ code: 'NetworkError', refused: false, throttled: false });
    } finally {
      roles.close();
    }
  });
});
