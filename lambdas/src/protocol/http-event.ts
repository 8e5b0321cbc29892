/**
 * The event every operation's Lambda entry point receives: an API Gateway HTTP API request in
 * payload format 2.0, authorized by the IAM authorizer. The local server builds exactly this event
 * and calls exactly the same entry points, so this file is the one place the event is described.
 *
 * Field by field, what the handlers read (everything else is carried but unused):
 *
 * | field                                   | deployed (API Gateway)                  | local server                          |
 * |-----------------------------------------|-----------------------------------------|---------------------------------------|
 * | `version`                               | `"2.0"`                                 | `"2.0"`                               |
 * | `routeKey`                              | `"<METHOD> <path template>"` of the op  | same, from the operation table        |
 * | `rawPath`                               | path as sent, still percent-encoded     | same                                  |
 * | `rawQueryString`                        | query as sent, without `?`              | same                                  |
 * | `headers`                               | lower-cased names, repeats joined by `,`| same (Node lower-cases them)          |
 * | `body`, `isBase64Encoded`               | request body; base64 when binary        | UTF-8 text, `false`; else base64      |
 * | `requestContext.requestId`              | API Gateway's request id                | a fresh UUID                          |
 * | `requestContext.http.method`            | request method                          | same                                  |
 * | `requestContext.authorizer.iam`         | the SigV4 signer, verified by API GW    | the signer, verified by the server    |
 * | `  .accountId`                          | caller's account                        | the local account id                  |
 * | `  .accessKey`, `.userArn`, `.userId`   | caller's key and principal              | the key; a local ARN                  |
 * | `  .cognitoIdentity`                    | set for Cognito Identity credentials    | set for credentials minted by GetCredentialsForIdentity |
 * | `  .cognitoIdentity.identityId`         | the caller's identity id                | same                                  |
 * | `  .cognitoIdentity.identityPoolId`     | the caller's identity pool id           | same                                  |
 *
 * The handlers parse `rawPath` against the operation's template themselves (rather than trusting
 * `pathParameters`), so percent-decoding is the same in both places.
 */
import type { APIGatewayProxyEventV2WithRequestContext, APIGatewayEventRequestContextV2 } from 'aws-lambda';

export interface CognitoIdentityOfCaller {
  readonly amr: string[];
  readonly identityId: string;
  readonly identityPoolId: string;
}

export interface IamAuthorizerContext {
  readonly iam: {
    readonly accessKey: string;
    readonly accountId: string;
    readonly callerId: string;
    /** Present (non-null) exactly when the caller signed with Cognito Identity credentials. */
    readonly cognitoIdentity: CognitoIdentityOfCaller | null;
    readonly principalOrgId: string | null;
    readonly userArn: string;
    readonly userId: string;
  };
}

export type SyncHttpEvent = APIGatewayProxyEventV2WithRequestContext<APIGatewayEventRequestContextV2 & { authorizer: IamAuthorizerContext }>;

/** What an entry point returns: the payload 2.0 structured response. */
export interface SyncHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}
