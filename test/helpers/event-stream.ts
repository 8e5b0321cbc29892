/**
 * A server-sent events client on node's http, as an EventSource reads the stream: each block of
 * lines up to a blank line is one event, `id:` its id, `data:` its data; comments and `retry:` are
 * no events. Enough to test a stream without a browser.
 */
import { type ClientRequest, request } from 'node:http';

export interface StreamedEvent {
  readonly id: string | undefined;
  readonly data: string;
}

export interface OpenEventStream {
  readonly status: number;
  readonly contentType: string | undefined;
  /** Every event so far, in the order they came. */
  readonly events: StreamedEvent[];
  /** Resolves once `count` events have come (rejects if the stream ends first). */
  received(count: number): Promise<StreamedEvent[]>;
  /** Drops the connection, as a browser does when the network goes. */
  close(): void;
}

/** Connects; resolves once the response's head has come (so the server is streaming to us). */
export function openEventStream(url: string, headers: Record<string, string> = {}): Promise<OpenEventStream> {
  return new Promise((resolve, reject) => {
    const events: StreamedEvent[] = [];
    const waiting: { count: number; resolve: (events: StreamedEvent[]) => void; reject: (e: Error) => void }[] = [];
    let ended = false;
    const settle = () => {
      for (const wait of [...waiting]) {
        if (events.length >= wait.count) wait.resolve(events.slice(0, wait.count));
        else if (ended) wait.reject(new Error(`the stream ended after ${events.length} of ${wait.count} events`));
        else continue;
        waiting.splice(waiting.indexOf(wait), 1);
      }
    };
    const req: ClientRequest = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let end = buffered.indexOf('\n\n');
        while (end >= 0) {
          const event = parseBlock(buffered.slice(0, end));
          if (event) events.push(event);
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf('\n\n');
        }
        settle();
      });
      const finish = () => {
        ended = true;
        settle();
      };
      res.on('end', finish);
      res.on('close', finish);
      resolve({
        status: res.statusCode ?? 0,
        contentType: res.headers['content-type'],
        events,
        received: (count) =>
          new Promise((resolveWait, rejectWait) => {
            waiting.push({ count, resolve: resolveWait, reject: rejectWait });
            settle();
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', (e) => {
      ended = true;
      settle();
      reject(e);
    });
    req.end();
  });
}

function parseBlock(block: string): StreamedEvent | undefined {
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  return data.length > 0 ? { id, data: data.join('\n') } : undefined;
}
