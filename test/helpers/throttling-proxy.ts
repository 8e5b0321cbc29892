/**
 * An HTTP proxy in front of a local endpoint that answers some requests as a throttled AWS API does
 * (429, `x-amzn-ErrorType: TooManyRequestsException`) and passes the others through unchanged. The
 * Host header is passed as the client sent it, so SigV4 signatures still verify behind it.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ThrottlingProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Requests answered 429 so far. */
  readonly throttled: () => number;
  /** Requests passed through so far. */
  readonly passed: () => number;
  close(): Promise<void>;
}

/** `throttle(n)` says whether the n-th request (1-based) is refused. */
export async function startThrottlingProxy(target: string, throttle: (n: number) => boolean): Promise<ThrottlingProxy> {
  const upstream = new URL(target);
  let seen = 0;
  let throttled = 0;
  let passed = 0;
  const server = createServer((req, res) => {
    seen++;
    if (throttle(seen)) {
      throttled++;
      // Drain the body first: a client still sending it would see a reset connection, not the answer.
      req.resume();
      req.on('end', () => {
        res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'TooManyRequestsException' });
        res.end(JSON.stringify({ __type: 'TooManyRequestsException', message: 'Rate exceeded' }));
      });
      return;
    }
    passed++;
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    throttled: () => throttled,
    passed: () => passed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
