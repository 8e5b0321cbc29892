/**
 * What signing a request and verifying its signature must do alike: read the query the way the
 * signer canonicalises it, and hash with Node's native crypto. The verifier (sigv4-verifier.ts) and
 * the fuzzer's signer of raw wire requests (test/fuzz/sign.ts) both use these, so that a request the
 * fuzzer signs validly is read by the endpoint exactly as it was signed.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** Query parameters, percent-decoded, repeats as arrays: the form the signer canonicalises. */
export function parseSignedQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  if (!raw) return query;
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

/** Malformed percent-encoding is kept as sent: the signature then simply will not match. */
function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

const toBuffer = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/**
 * SHA-256 and HMAC-SHA256 on Node's native crypto for the signer: every request is verified, and
 * the pure-JS implementation the signer is usually given costs several times more per request.
 */
export class NodeSha256 {
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
