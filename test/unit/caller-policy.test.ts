/**
 * Who is a developer (lambdas/src/protocol/caller-policy.ts): an explicit allowlist, never the mere
 * absence of a Cognito identity. Pool roles without a Cognito identity, and principals the
 * allowlist does not name, get AccessDeniedException (403) before anything else runs.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/src/config';
import { createDispatch } from '../../lambdas/local/http/dispatch';
import { arnPattern, CallerPolicy, callerPolicy } from '../../lambdas/src/protocol/caller-policy';
import type { SyncHttpEvent } from '../../lambdas/src/protocol/http-event';
import { principalOf } from '../../lambdas/src/protocol/middlewares';
import { datasetPath, developer, identity, iamAuthorizer, makeEvent, TEST_ACCOUNT_ID } from '../helpers/events';

const ACCOUNT = TEST_ACCOUNT_ID;
const POOL_ROLE_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/Cognito_AppUnauth_Role/CognitoIdentityCredentials`;
const DEFAULT_PATTERNS = [`arn:aws:iam::${ACCOUNT}:user/*`, `arn:aws:sts::${ACCOUNT}:assumed-role/*`, `arn:aws:iam::${ACCOUNT}:root`];

const policy = new CallerPolicy(DEFAULT_PATTERNS, ['Cognito_AppAuth_Role', 'Cognito_AppUnauth_Role']);

/** A developer-shaped event (no Cognito identity) signed by `userArn`. */
function signedBy(userArn: string): SyncHttpEvent {
  const event = makeEvent({ method: 'GET', rawPath: `${datasetPath('ds')}/records`, principal: developer() });
  const iam = iamAuthorizer(developer()).iam;
  (event.requestContext as { authorizer: unknown }).authorizer = { iam: { ...iam, userArn } };
  return event;
}

const refusal = (f: () => unknown): { name: string; code: string; message: string } => {
  try {
    f();
  } catch (e) {
    return e as { name: string; code: string; message: string };
  }
  throw new Error('expected a refusal');
};

describe('caller policy', () => {
  it('a session of a pool role without a Cognito identity is refused, though the default patterns cover assumed roles', () => {
    expect(policy.decide({ userArn: POOL_ROLE_SESSION, cognitoIdentity: null })).toMatchObject({ allowed: false });
    const e = refusal(() => principalOf(signedBy(POOL_ROLE_SESSION), policy));
    expect(e).toMatchObject({ name: 'AccessDeniedException', code: 'AccessDeniedException' });
    expect(e.message).toContain('Cognito_AppUnauth_Role');
  });

  it('a pool role with its Cognito identity is that identity', () => {
    expect(policy.decide({ userArn: POOL_ROLE_SESSION, cognitoIdentity: { identityId: 'x', identityPoolId: 'y' } })).toEqual({
      allowed: true,
      kind: 'identity',
    });
    expect(principalOf(makeEvent({ method: 'GET', rawPath: '/', principal: identity() }), policy)).toEqual(identity());
  });

  it('principals the allowlist does not name are refused: another account, a federated user, no ARN', () => {
    for (const userArn of ['arn:aws:iam::999999999999:user/mallory', `arn:aws:sts::${ACCOUNT}:federated-user/bob`, `arn:aws:iam::${ACCOUNT}:rootx`, '']) {
      expect(policy.decide({ userArn, cognitoIdentity: null }), userArn).toMatchObject({ allowed: false });
      expect(
        refusal(() => principalOf(signedBy(userArn), policy)),
        userArn,
      ).toMatchObject({ name: 'AccessDeniedException', code: 'AccessDeniedException' });
    }
  });

  it('principals the allowlist names are developers: users, other assumed roles, root', () => {
    for (const userArn of [
      `arn:aws:iam::${ACCOUNT}:user/alice`,
      `arn:aws:iam::${ACCOUNT}:user/division/bob`,
      `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice@example.com`,
      `arn:aws:iam::${ACCOUNT}:root`,
    ]) {
      expect(policy.decide({ userArn, cognitoIdentity: null }), userArn).toEqual({ allowed: true, kind: 'developer' });
      expect(principalOf(signedBy(userArn), policy), userArn).toEqual(developer());
    }
  });

  it('patterns: `*` spans any characters, everything else is literal', () => {
    expect(arnPattern('arn:aws:iam::1:user/*').test('arn:aws:iam::1:user/a/b')).toBe(true);
    expect(arnPattern('arn:aws:iam::1:user/a.b').test('arn:aws:iam::1:user/aXb')).toBe(false);
    expect(arnPattern('arn:aws:iam::1:user/a').test('arn:aws:iam::1:user/ab')).toBe(false);
  });

  it('without configuration there are no developers (fail closed)', () => {
    const empty = CallerPolicy.fromConfig(loadConfig({}).callers);
    expect(empty.decide({ userArn: `arn:aws:iam::${ACCOUNT}:root`, cognitoIdentity: null })).toMatchObject({ allowed: false });
  });

  it("is read from the config: comma-separated lists, trimmed, empty entries skipped; the process's is built once", () => {
    const configured = CallerPolicy.fromConfig(
      loadConfig({ SYNC_DEVELOPER_PRINCIPALS: ' arn:aws:iam::1:user/first ,, arn:aws:iam::1:user/second ', SYNC_IDENTITY_ROLE_NAMES: ' Pool_Role , ' }).callers,
    );
    expect(configured.decide({ userArn: 'arn:aws:iam::1:user/second' })).toMatchObject({ allowed: true });
    expect(configured.decide({ userArn: 'arn:aws:sts::1:assumed-role/Pool_Role/session' })).toMatchObject({ allowed: false });
    // vitest.config.ts sets this process's developer.
    expect(callerPolicy()).toBe(callerPolicy());
    expect(callerPolicy().decide({ userArn: 'arn:aws:iam::1:user/developer' })).toMatchObject({ allowed: true });
  });

  it("through an operation's entry point: a pool role without identity gets AccessDeniedException and the request goes no further", async () => {
    const config = loadConfig({
      SYNC_DEVELOPER_PRINCIPALS: DEFAULT_PATTERNS.join(','),
      SYNC_IDENTITY_ROLE_NAMES: 'Cognito_AppAuth_Role, Cognito_AppUnauth_Role',
    });
    const dispatch = createDispatch({ callerPolicy: CallerPolicy.fromConfig(config.callers) });
    // No table is configured in this file: reaching the store would be a 500, not this 403.
    const result = await dispatch(signedBy(POOL_ROLE_SESSION));
    expect(result.statusCode).toBe(403);
    expect(result.headers['x-amzn-ErrorType']).toBe('AccessDeniedException');
    expect(JSON.parse(result.body)).toMatchObject({ __type: 'AccessDeniedException' });
  });
});
