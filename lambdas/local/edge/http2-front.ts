/**
 * One port for both HTTP versions. Some AWS clients speak HTTP/2 to an `http://` endpoint with
 * prior knowledge (the v3 Kinesis client always does, for SubscribeToShard), and Node's HTTP/1
 * server cannot answer them. This front accepts each connection, looks at its first bytes, and hands
 * it to the HTTP/2 server when they are HTTP/2's connection preface, to the HTTP/1 server otherwise.
 * Both servers call the same request handler (HTTP/2 through Node's compatibility API).
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';

const PREFACE_START = Buffer.from('PRI * HTTP/2.0');

export interface Front {
  /** What listens on the port. */
  readonly server: NetServer;
  /** Stops listening and drops every open connection, of both versions. */
  close(): Promise<void>;
}

export function http2Front(http1: HttpServer, handle: (req: IncomingMessage, res: ServerResponse) => void): Front {
  // The compatibility API's request and response have the members the handler uses.
  const http2 = createHttp2Server((req: Http2ServerRequest, res: Http2ServerResponse) =>
    handle(req as unknown as IncomingMessage, res as unknown as ServerResponse),
  );
  const sessions = new Set<Http2Session>();
  http2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      // A first packet shorter than the preface that begins like it ("P", "PR"...) decides nothing
      // yet: wait for more, or an HTTP/1 request split there would be handed to the HTTP/2 server.
      const seen = Math.min(head.length, PREFACE_START.length);
      const matchesSoFar = head.subarray(0, seen).equals(PREFACE_START.subarray(0, seen));
      if (matchesSoFar && head.length < PREFACE_START.length) return;
      socket.off('data', onData);
      socket.pause();
      route(socket, head, matchesSoFar);
    };
    socket.on('data', onData);
  });
  const route = (socket: Socket, first: Buffer, isHttp2: boolean): void => {
    if (!isHttp2) {
      socket.unshift(first);
      http1.emit('connection', socket);
      socket.resume();
      return;
    }
    // The HTTP/2 server reads a net.Socket below JavaScript, where unshifted bytes are not: it
    // gets a stream that replays the preface, then the socket's own bytes.
    const incoming = new PassThrough();
    incoming.write(first);
    socket.pipe(incoming);
    const stream = Duplex.from({ readable: incoming, writable: socket });
    stream.on('error', () => socket.destroy());
    stream.on('close', () => socket.destroy());
    socket.on('close', () => stream.destroy());
    http2.emit('connection', stream);
  };
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        http1.closeAllConnections();
        for (const session of sessions) session.destroy();
        // Connections that never sent a byte belong to neither server yet.
        for (const socket of sockets) socket.destroy();
      }),
  };
}
