/**
 * Answers for requests that never reach the request handler, because Node's HTTP parser refuses them
 * ('clientError': an unknown method, a raw non-ASCII path, a bad header) or hands them to a
 * 'connect' listener (`CONNECT`). Node would answer the first with a bare `400 Bad Request` that no
 * SDK can name, and the second not at all; here each gets a rest-json error with `x-amzn-ErrorType`
 * and `x-amzn-RequestId`, written straight to the socket, which is then closed (the parser cannot
 * go on reading a connection it lost track of).
 *
 * The error names are those the endpoint gives the same mistakes when they do parse: a method no
 * operation has is `UnknownOperationException` (404), as `PROPFIND` or `PUT` are; a path that is not
 * printable ASCII cannot carry any operation's labels, which must be percent-encoded, so it is
 * `InvalidParameterException` (400), as a label that is not valid percent-encoding is.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Errors } from '../../src/errors';
import { errorResponse } from '../../src/protocol/error-response';
import type { WireError } from '../../src/protocol/errors';
import { elideValue } from '../../src/protocol/validate';
import { HttpErrors } from './http-errors';

/** Node's parse errors carry their llhttp code and the bytes being parsed. */
type ClientError = Error & { code?: string; rawPacket?: Buffer };

/** The method and target of the request line in `packet`, as far as it can be read. */
function requestLine(packet: Buffer | undefined): { method: string; target: string } | undefined {
  if (!packet) return undefined;
  const line = packet.toString('latin1').split('\r\n', 1)[0];
  const m = /^(\S+) (\S+)/.exec(line);
  return m ? { method: m[1], target: elideValue(m[2]) } : undefined;
}

/** The error for what Node's parser refused; `undefined` when there is nobody to answer. */
export function clientErrorAnswer(error: ClientError): WireError | undefined {
  const line = requestLine(error.rawPacket);
  switch (error.code) {
    case 'ECONNRESET':
      return undefined;
    case 'HPE_INVALID_METHOD':
      return Errors.unknownOperation(line ? `No operation matches ${line.method} ${line.target}` : 'The request method is not one any operation has');
    case 'HPE_INVALID_URL':
      return Errors.invalidParameter(
        `The request path must be printable ASCII: percent-encode (RFC 3986) every other character${line ? ` (got ${line.method} ${line.target})` : ''}`,
      );
    case 'HPE_HEADER_OVERFLOW':
      return HttpErrors.headersTooLarge();
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return HttpErrors.notReceivedInTime();
    default:
      return Errors.serialization(`The request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`);
  }
}

/** An HTTP/1.1 response as bytes, for a socket no `ServerResponse` owns; it closes the connection. */
export function rawHttpResponse(error: WireError, requestId: string): Buffer {
  const result = errorResponse(error, requestId);
  const body = Buffer.from(result.body, 'utf8');
  const headers: Record<string, string> = {
    ...result.headers,
    'apigw-requestid': requestId,
    'content-length': String(body.length),
    connection: 'close',
  };
  const head =
    `HTTP/1.1 ${result.statusCode} ${STATUS_CODES[result.statusCode] ?? 'Error'}\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** The server's 'clientError' listener. */
export function answerClientError(error: ClientError, socket: Duplex): void {
  const answer = clientErrorAnswer(error);
  // A response already under way on this socket (keep-alive) cannot be followed by another.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!answer || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(rawHttpResponse(answer, randomUUID()));
}

/** The server's 'connect' listener: the endpoint is no proxy, and no operation is `CONNECT`. */
export function answerConnect(request: IncomingMessage, socket: Duplex): void {
  const error = Errors.unknownOperation(`No operation matches CONNECT ${elideValue(request.url ?? '')}`);
  // Node hands the socket over without its error listener: a client reset must not crash the server.
  socket.on('error', () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // The socket has left the HTTP server's books: neither its timeouts nor closeAllConnections()
  // will ever end it. Discard whatever the client still sends (a client blocked on a full window
  // would never read our answer nor hang up), let it read the answer and close, and drop the
  // connection ourselves if it has not within a grace period. Destroying it at once could reset
  // the connection under an answer the client has not read yet.
  socket.resume();
  const grace = setTimeout(() => socket.destroy(), CONNECT_LINGER_MS);
  grace.unref();
  socket.once('close', () => clearTimeout(grace));
  socket.end(rawHttpResponse(error, randomUUID()));
}

/** How long a refused `CONNECT` socket may wait for the client to take our answer. */
const CONNECT_LINGER_MS = 2000;
