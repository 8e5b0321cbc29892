/**
 * GetOpenIdToken of the local Cognito Identity: the token AWS issues an identity, a JWT whose `sub`
 * is the identity id and `aud` its pool, which is how the drop-in relay (lambdas/src/drop-in/relay.ts)
 * learns the pool of an identity it never saw in a GetId answer. Signed HS256 with the server key:
 * locally nothing verifies it against Cognito's published keys, as STS does on AWS.
 */
import { createHmac } from 'node:crypto';

/** Cognito Identity's OpenID tokens last 10 minutes by default. */
export const OPEN_ID_TOKEN_TTL_SECONDS = 600;

const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function mintOpenIdToken(serverKey: Buffer, subject: { readonly identityId: string; readonly identityPoolId: string }, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header = part({ alg: 'HS256', typ: 'JWT', kid: 'local' });
  const payload = part({
    iss: 'https://cognito-identity.amazonaws.com',
    sub: subject.identityId,
    aud: subject.identityPoolId,
    amr: ['unauthenticated'],
    iat,
    exp: iat + OPEN_ID_TOKEN_TTL_SECONDS,
  });
  const signature = createHmac('sha256', serverKey).update(`openid\n${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
