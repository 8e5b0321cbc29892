/**
 * Which emulator answers a request signed for another AWS service than this one, as LocalStack's
 * single edge port does: users point every client at one endpoint.
 *
 * `cognito-sync`, `execute-api` and `cognito-identity` are not here: this server answers them
 * itself, as it did before the edge existed, and so are unsigned and unknown-service requests.
 */

export interface EdgeTargets {
  /** DynamoDB Local (`http://127.0.0.1:<port>`); it also serves DynamoDB Streams. */
  readonly dynamodb?: string;
  /** The moto server; absent when Python or moto is missing. */
  readonly moto?: string;
}

/** The AWS services moto answers for us. */
export const MOTO_SERVICES = ['sns', 'kinesis', 's3', 'sts'] as const;
/** How the start-up message names them. */
export const MOTO_FEATURES = 'SNS, Kinesis, S3 and STS';

const DYNAMODB_SERVICES = ['dynamodb', 'dynamodbstreams'];

/**
 * Requests this server answers whatever service they were signed for: Cognito Sync's paths (every
 * operation lives under `/identitypools/`) and the Cognito Identity targets. Signed for the wrong
 * service, they get this server's signature error, not another emulator's idea of them (moto
 * answered an STS-signed Cognito Identity GetId with an HTML 500; found by the fuzzer).
 */
export function isOwnRoute(rawPath: string, amzTarget: string | string[] | undefined): boolean {
  if (rawPath === '/identitypools' || rawPath.startsWith('/identitypools/')) return true;
  return typeof amzTarget === 'string' && amzTarget.startsWith('AWSCognitoIdentityService.');
}

/**
 * Where a request goes: proxied to an emulator, refused because the emulator for its service is not
 * running (moto missing), or (undefined) answered by this server itself.
 */
export type EdgeRoute = { readonly proxyTo: string } | { readonly off: string } | { readonly functions: true };

/** Requests signed for Lambda go to this server's own local function runner (lambdas/local/lambda/). */
export const LAMBDA_SERVICE = 'lambda';

export function edgeRouteFor(signedService: string | undefined, targets: EdgeTargets): EdgeRoute | undefined {
  if (signedService === undefined) return undefined;
  if (signedService === LAMBDA_SERVICE) return { functions: true };
  if (DYNAMODB_SERVICES.includes(signedService)) return targets.dynamodb ? { proxyTo: targets.dynamodb } : undefined;
  if ((MOTO_SERVICES as readonly string[]).includes(signedService)) return targets.moto ? { proxyTo: targets.moto } : { off: signedService };
  return undefined;
}
