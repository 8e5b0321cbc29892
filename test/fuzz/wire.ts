/**
 * A raw HTTP/1.1 client over `net`: it sends exactly the bytes it is given (bad methods, CONNECT,
 * raw non-ASCII paths, duplicate or oversized headers: things Node's own client refuses to send)
 * and tells a response apart from a dropped connection or a timeout.
 */
import { connect } from 'node:net';

export interface WireRequest {
  /** As sent: may be lower case, unknown or malformed. */
  readonly method: string;
  /** The request-target as sent, one character per byte (latin1): build non-ASCII with `utf8Bytes`. */
  readonly target: string;
  /** Default `HTTP/1.1`. */
  readonly version?: string;
  /** In order, names and values one character per byte; nothing is added (host, content-length included). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** Frame the body as `Transfer-Encoding: chunked` (the headers must say so). */
  readonly chunked?: boolean;
}

export type Outcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** Lower-cased names. */
      readonly headers: Readonly<Record<string, string>>;
      readonly body: Buffer;
      readonly ms: number;
    }
  | { readonly kind: 'dropped' | 'timeout'; readonly reason: string; readonly received: Buffer; readonly ms: number };

/** A string's UTF-8 bytes as one character per byte, for the request line and headers. */
export const utf8Bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

export function serialize(request: WireRequest): Buffer {
  let head = `${request.method} ${request.target} ${request.version ?? 'HTTP/1.1'}\r\n`;
  for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
  head += '\r\n';
  const parts: Buffer[] = [Buffer.from(head, 'latin1')];
  if (request.chunked) {
    // Two chunks when there is anything to split, so the server really reassembles.
    const cut = Math.floor(request.body.length / 2);
    for (const chunk of [request.body.subarray(0, cut), request.body.subarray(cut)]) {
      if (chunk.length > 0) parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'), chunk, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from('0\r\n\r\n'));
  } else {
    parts.push(request.body);
  }
  return Buffer.concat(parts);
}

interface ParsedHead {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly bodyStart: number;
}

/** The first final (non-1xx) response head in `data`, or undefined while it is incomplete. */
function parseHead(data: Buffer): ParsedHead | undefined {
  let offset = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', offset, 'latin1');
    if (end < 0) return undefined;
    const lines = data.subarray(offset, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0]);
    const status = m ? Number(m[1]) : 0;
    if (status >= 100 && status < 200) {
      // 100 Continue (for `Expect: 100-continue`): the real answer follows.
      offset = end + 4;
      continue;
    }
    const headers: Record<string, string> = Object.create(null);
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    return { status, headers, bodyStart: end + 4 };
  }
}

/** The complete body when it has all arrived; `ended` says the server closed the connection. */
function completeBody(head: ParsedHead, data: Buffer, method: string, ended: boolean): Buffer | undefined {
  const rest = data.subarray(head.bodyStart);
  if (method.toUpperCase() === 'HEAD' || head.status === 204 || head.status === 304) return Buffer.alloc(0);
  const length = head.headers['content-length'];
  if (length !== undefined && /^\d+$/.test(length)) {
    const n = Number(length);
    return rest.length >= n ? rest.subarray(0, n) : undefined;
  }
  if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) {
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = rest.indexOf('\r\n', at, 'latin1');
      if (eol < 0) return undefined;
      const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
      if (Number.isNaN(size)) return undefined;
      if (size === 0) return Buffer.concat(out);
      if (rest.length < eol + 2 + size + 2) return undefined;
      out.push(rest.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  // No framing: the body runs to the end of the connection.
  return ended ? rest : undefined;
}

/** Sends one request on a fresh connection and waits for the answer, at most `timeoutMs`. */
export function send(port: number, request: WireRequest, timeoutMs: number): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const received = () => Buffer.concat(chunks);
    /** Resolves with the response if it is complete; returns whether it did. */
    const tryComplete = (ended: boolean): boolean => {
      const data = received();
      const head = parseHead(data);
      if (!head) return false;
      const body = completeBody(head, data, request.method, ended);
      if (!body) return false;
      finish({ kind: 'response', status: head.status, headers: head.headers, body, ms: Date.now() - started });
      return true;
    };
    const timer = setTimeout(
      () => finish({ kind: 'timeout', reason: `no complete answer within ${timeoutMs} ms`, received: received(), ms: Date.now() - started }),
      timeoutMs,
    );
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      tryComplete(false);
    });
    socket.on('end', () => {
      if (!tryComplete(true)) {
        finish({ kind: 'dropped', reason: 'the server closed the connection without a complete answer', received: received(), ms: Date.now() - started });
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // A reset after a complete answer (the server closed while we were still sending) is an answer.
      if (!tryComplete(true)) {
        finish({ kind: 'dropped', reason: `${e.code ?? 'error'}: ${e.message}`, received: received(), ms: Date.now() - started });
      }
    });
    socket.on('close', () => {
      if (!tryComplete(true)) {
        finish({ kind: 'dropped', reason: 'the connection closed without a complete answer', received: received(), ms: Date.now() - started });
      }
    });
    socket.write(serialize(request));
  });
}
