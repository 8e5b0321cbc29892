/**
 * Passes a request to an emulator and its answer back, byte for byte: method, path and query,
 * headers (Host set to the emulator's, which moto and DynamoDB Local do not sign-check) and body,
 * streamed both ways. Nothing is re-signed: the emulator verifies by its own rules, as AWS would.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

export function proxyRequest(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  const url = new URL(target);
  const headers: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    // HTTP/2's pseudo-headers (`:path`, `:authority`...) are the request line and Host of HTTP/1.
    const name = req.rawHeaders[i];
    if (name.toLowerCase() !== 'host' && !name.startsWith(':')) headers.push(name, req.rawHeaders[i + 1]);
  }
  headers.push('Host', url.host);
  return new Promise((resolve) => {
    const upstream = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.url, headers }, (answer: IncomingMessage) => {
      // The raw list keeps names' case and repeated headers (e.g. x-amz-meta-*) as the emulator sent them.
      if (req.httpVersionMajor === 2) res.writeHead(answer.statusCode ?? 502, http2Headers(answer.rawHeaders));
      else res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
      answer.on('end', resolve);
      answer.on('error', () => {
        res.destroy();
        resolve();
      });
    });
    upstream.on('error', (e) => {
      if (!res.headersSent) writeUnavailable(res, `${url.host} did not answer: ${e.message}`);
      else res.destroy();
      resolve();
    });
    // The client hanging up mid-request: stop the upstream request too.
    req.on('aborted', () => upstream.destroy());
    req.pipe(upstream);
  });
}

/** HTTP/1's connection-specific headers have no place in HTTP/2 (RFC 9113 8.2.2): Node refuses them. */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

function http2Headers(raw: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (CONNECTION_HEADERS.has(name)) continue;
    const previous = headers[name];
    headers[name] = previous === undefined ? raw[i + 1] : [...(Array.isArray(previous) ? previous : [previous]), raw[i + 1]];
  }
  return headers;
}

/** What the AWS SDKs read as a retryable service failure, in their rest-json error shape. */
function writeUnavailable(res: ServerResponse, message: string): void {
  const body = JSON.stringify({ __type: 'ServiceUnavailable', message });
  res.writeHead(503, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': 'ServiceUnavailable', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A request for a service whose emulator is not running (moto missing): a clear, non-retryable 501
 * in the service's own error shape, so the SDK shows the message instead of a signature error.
 */
export function answerEmulatorOff(req: IncomingMessage, res: ServerResponse, service: string, installHint: string): void {
  req.resume();
  const message = `${service} is off on this endpoint: the moto server that emulates it is not running (${installHint}, then restart)`;
  const [contentType, body] =
    service === 'kinesis'
      ? ['application/x-amz-json-1.1', JSON.stringify({ __type: 'NotImplemented', message })]
      : service === 's3'
        ? ['application/xml', `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>${escapeXml(message)}</Message></Error>`]
        : ['text/xml', `<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code><Message>${escapeXml(message)}</Message></Error></ErrorResponse>`];
  res.writeHead(501, { 'content-type': contentType, 'x-amzn-ErrorType': 'NotImplemented', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
