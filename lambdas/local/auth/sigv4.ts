/**
 * SigV4 verification for the local endpoint: what API Gateway's IAM authorizer does when deployed
 * (docs/decisions.md#sigv4-is-verified-locally-by-re-signing). The verification itself is
 * lambdas/src/auth/sigv4-verifier.ts, the same code the deployed drop-in path runs; this file
 * resolves the local credentials (the developer pair, and the session credentials of the local
 * Cognito Identity) to the signing key of the request's scope.
 */
import type { CognitoIdentityOfCaller } from '../../src/protocol/http-event';
import { deriveSigningKey } from '../../src/auth/signing-key';
import { SigningErrors } from '../../src/auth/signing-errors';
import { EXPIRED_TOKEN, INVALID_TOKEN, type IncomingSignedRequest, type SigningScope, verifySignedRequest } from '../../src/auth/sigv4-verifier';
import { deriveSessionSecret, openSessionToken, type DeveloperCredentials } from './credentials';
import { LOCAL_IDENTITY_ROLE_NAME, localDeveloperArn } from '../service-config';

export type { IncomingSignedRequest } from '../../src/auth/sigv4-verifier';

export interface SigV4VerifierConfig {
  /** The only region a credential scope may name. */
  readonly region: string;
  /** Signing names accepted in the credential scope, e.g. `cognito-sync` and `execute-api`. */
  readonly services: readonly string[];
  readonly accountId: string;
  /** Key of the stateless session credentials (see credentials.ts). */
  readonly serverKey: Buffer;
  readonly developer: DeveloperCredentials;
  /** Epoch ms; injectable for tests. */
  readonly now?: () => number;
}

/** Who signed: becomes `requestContext.authorizer.iam` (without `principalOrgId`). */
export interface VerifiedCaller {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly userArn: string;
  readonly userId: string;
  readonly cognitoIdentity: CognitoIdentityOfCaller | null;
}

/** Verifies the request's signature; resolves to the caller or throws a `ProtocolError` (signing-errors.ts). */
export async function verifySigV4(request: IncomingSignedRequest, config: SigV4VerifierConfig): Promise<VerifiedCaller> {
  return verifySignedRequest(request, config, async (scope: SigningScope, now: number) => {
    const { secretAccessKey, caller } = resolveCredentials(scope.accessKeyId, scope.sessionToken, config, now);
    return { signingKey: deriveSigningKey(secretAccessKey, scope.date, scope.region, scope.service), caller };
  });
}

function resolveCredentials(
  accessKeyId: string,
  sessionToken: string | undefined,
  config: SigV4VerifierConfig,
  now: number,
): { secretAccessKey: string; caller: VerifiedCaller } {
  const { accountId } = config;
  if (accessKeyId === config.developer.accessKeyId) {
    // Long-term keys carry no token; one sent along means the client mixed up its credentials.
    if (sessionToken !== undefined) throw SigningErrors.unrecognizedClient(INVALID_TOKEN);
    const userId = 'AIDALOCALDEVELOPER';
    return {
      secretAccessKey: config.developer.secretAccessKey,
      caller: {
        accessKey: accessKeyId,
        accountId,
        callerId: userId,
        userArn: localDeveloperArn(accountId),
        userId,
        cognitoIdentity: null,
      },
    };
  }
  if (!accessKeyId.startsWith('ASIA') || sessionToken === undefined) throw SigningErrors.unrecognizedClient(INVALID_TOKEN);
  const claims = openSessionToken(config.serverKey, sessionToken);
  if (!claims || claims.akid !== accessKeyId) throw SigningErrors.unrecognizedClient(INVALID_TOKEN);
  if (claims.exp * 1000 <= now) throw SigningErrors.expiredToken(EXPIRED_TOKEN);
  // What API Gateway reports for Cognito Identity credentials: an assumed role session.
  const userId = 'AROALOCALCOGNITOUNAUTH:CognitoIdentityCredentials';
  return {
    secretAccessKey: deriveSessionSecret(config.serverKey, sessionToken),
    caller: {
      accessKey: accessKeyId,
      accountId,
      callerId: userId,
      userArn: `arn:aws:sts::${accountId}:assumed-role/${LOCAL_IDENTITY_ROLE_NAME}/CognitoIdentityCredentials`,
      userId,
      cognitoIdentity: { amr: ['unauthenticated'], identityId: claims.identity, identityPoolId: claims.pool },
    },
  };
}
