/**
 * Builds, from a request the local server has verified, the API Gateway HTTP API (payload 2.0)
 * event that the deployed functions receive. The field table in `src/protocol/http-event.ts` is the
 * contract; this follows it field by field. Fields API Gateway adds but the handlers do not read
 * (`pathParameters`, `queryStringParameters`, `cookies`) are left out rather than imitated.
 */
import { matchRoute, routeKey as routeKeyOf } from '../../src/operations';
import type { SyncHttpEvent } from '../../src/protocol/http-event';
import type { VerifiedCaller } from '../auth/sigv4';

export interface LocalRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQueryString: string;
  /** Lower-cased names, repeats joined by `,`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  /** e.g. `HTTP/1.1` */
  readonly protocol: string;
}

/** The operation's route key, or `$default` (what API Gateway's catch-all route reports). */
export function routeKeyFor(method: string, rawPath: string): string {
  try {
    const match = matchRoute(method, rawPath);
    return match ? routeKeyOf(match.op) : '$default';
  } catch {
    // Malformed percent-encoding: no operation's route; the handler answers it.
    return '$default';
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time`: `12/Mar/2020:19:03:58 +0000`. */
export function apiGatewayTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as API Gateway passes it: text when it is UTF-8, otherwise base64 (as API Gateway does for
 * a body it cannot pass as text), so that the bytes reach the handler unchanged and it can refuse
 * them; `toString('utf8')` would have turned them into U+FFFD and the handler would have stored that.
 */
function eventBody(bytes: Buffer): { text: string; isBase64Encoded: boolean } {
  try {
    return { text: STRICT_UTF8.decode(bytes), isBase64Encoded: false };
  } catch {
    return { text: bytes.toString('base64'), isBase64Encoded: true };
  }
}

export function buildSyncHttpEvent(
  request: LocalRequest,
  caller: VerifiedCaller,
  context: { readonly requestId: string; readonly nowMs: number },
): SyncHttpEvent {
  const routeKey = routeKeyFor(request.method, request.rawPath);
  const domainName = request.headers.host ?? 'localhost';
  const body = request.body.length > 0 ? eventBody(request.body) : undefined;
  return {
    version: '2.0',
    routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    headers: { ...request.headers },
    // API Gateway leaves `body` out when the request has none.
    ...(body !== undefined ? { body: body.text } : {}),
    isBase64Encoded: body?.isBase64Encoded ?? false,
    requestContext: {
      accountId: caller.accountId,
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0].split(':')[0],
      http: {
        method: request.method.toUpperCase(),
        path: request.rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: request.headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey,
      stage: '$default',
      time: apiGatewayTime(context.nowMs),
      timeEpoch: context.nowMs,
      authorizer: {
        iam: {
          accessKey: caller.accessKey,
          accountId: caller.accountId,
          callerId: caller.callerId,
          cognitoIdentity: caller.cognitoIdentity,
          principalOrgId: null,
          userArn: caller.userArn,
          userId: caller.userId,
        },
      },
    },
  };
}
