/**
 * SigV4 for wire requests, with the clients' own signer (`@smithy/signature-v4`), as
 * test/helpers/local-endpoint.ts signs. The request is signed as the server will read it (the raw
 * path, the query decoded the way the endpoint decodes it), so that a hostile request that is
 * validly signed gets past the signature check to the code behind it.
 */
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256, parseSignedQuery } from '../../lambdas/src/auth/signing-parts';
import type { WireRequest } from './wire';

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SigningOptions {
  readonly credentials: SigningCredentials;
  readonly region: string;
  /** `cognito-sync`, `execute-api`, or something wrong. */
  readonly service: string;
  readonly signingDate?: Date;
}

/** The request with `authorization`, `x-amz-date` (and `x-amz-security-token`) added. */
export async function signWire(request: WireRequest, options: SigningOptions): Promise<WireRequest> {
  const q = request.target.indexOf('?');
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    headers[lower] = lower in headers ? `${headers[lower]},${value}` : value;
  }
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method.toUpperCase(),
      protocol: 'http:',
      hostname: headers.host ?? 'localhost',
      path: q < 0 ? request.target : request.target.slice(0, q),
      query: parseSignedQuery(q < 0 ? '' : request.target.slice(q + 1)),
      headers,
      body: request.body.length > 0 ? request.body : undefined,
    }),
    { signingDate: options.signingDate },
  );
  const added: [string, string][] = [];
  for (const name of ['x-amz-date', 'x-amz-security-token', 'authorization']) {
    const value = signed.headers[name];
    if (value !== undefined && headers[name] === undefined) added.push([name, value]);
  }
  return { ...request, headers: [...request.headers, ...added] };
}
