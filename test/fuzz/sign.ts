/**
 * SigV4 for wire requests, with the clients' own signer (`@smithy/signature-v4`), as
 * test/helpers/local-endpoint.ts signs. The request is signed as the server will read it (the raw
 * path, the query decoded the way the endpoint decodes it), so that a hostile request that is
 * validly signed gets past the signature check to the code behind it.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
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

type SourceData = string | ArrayBuffer | ArrayBufferView;

const toBuffer = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** Native SHA-256: bodies of several MB are signed, which the pure-JS hash makes slow. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

/** Query parameters as the endpoint reads them: percent-decoded, repeats as arrays. */
function parseQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
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
      query: parseQuery(q < 0 ? '' : request.target.slice(q + 1)),
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
