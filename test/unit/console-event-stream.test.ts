/**
 * The console's live activity (`/_console/api/activity/events`) as server-sent events, read with
 * node's http client as an EventSource reads them. A reconnecting EventSource sends the last id it
 * saw as `Last-Event-ID` and must get exactly the events it missed that are still kept, in order,
 * none twice; a fresh connection gets only what happens after it (the page reads the history
 * separately). The handler has no service behind it: the events are published to its bus, as the
 * local composition's observers do.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTIVITY_KEPT_MS, ActivityBus, type StampedActivity } from '../../lambdas/local/console/activity';
import { ConsoleHandler } from '../../lambdas/local/console/console-handler';
import { type OpenEventStream, openEventStream, type StreamedEvent } from '../helpers/event-stream';

const stops: (() => Promise<void>)[] = [];
const streams: OpenEventStream[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  for (const stop of stops.splice(0)) await stop();
});

/** One run of the endpoint's console, around its bus; returns the event stream's URL. */
async function serveConsole(activity: ActivityBus): Promise<string> {
  const handler = new ConsoleHandler({
    endpointUrl: () => 'http://127.0.0.1:9',
    region: 'us-east-1',
    developer: { accessKeyId: 'AKIAUNITTEST00000000', secretAccessKey: 'unit' },
    activity,
  });
  const server = createServer((req, res) => void handler.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(async () => {
    handler.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/_console/api/activity/events`;
}

async function connect(url: string, lastEventId?: string): Promise<OpenEventStream> {
  const stream = await openEventStream(url, lastEventId === undefined ? {} : { 'last-event-id': lastEventId });
  streams.push(stream);
  expect(stream.status).toBe(200);
  expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
  return stream;
}

/** A 409 on dataset `name`: the smallest event the bus carries, told apart by its path. */
const conflictOn = (name: string) => ({ type: 'conflict', path: `/identitypools/p/identities/i/datasets/${name}` }) as const;

/** The datasets of the events received, after checking each event's SSE id is its bus id. */
function datasetsOf(events: readonly StreamedEvent[]): string[] {
  return events.map((event) => {
    const activity = JSON.parse(event.data) as StampedActivity;
    expect(event.id).toBe(String(activity.id));
    return (activity as { path: string }).path.split('/').pop() as string;
  });
}

/** Publishes `name` and waits for it: everything the stream sent before it has come by then. */
async function throughMarker(bus: ActivityBus, stream: OpenEventStream, name: string): Promise<string[]> {
  bus.publish(conflictOn(name));
  await expect.poll(() => datasetsOf(stream.events).includes(name)).toBe(true);
  return datasetsOf(stream.events);
}

describe('the activity event stream', () => {
  it('sends a fresh connection only what happens after it', async () => {
    const bus = new ActivityBus();
    const url = await serveConsole(bus);
    bus.publish(conflictOn('before-1'));
    bus.publish(conflictOn('before-2'));
    const stream = await connect(url);
    expect(await throughMarker(bus, stream, 'after')).toEqual(['after']);
  });

  it('resumes after Last-Event-ID with exactly the events missed, in order, none twice', async () => {
    const bus = new ActivityBus();
    const url = await serveConsole(bus);
    const first = await connect(url);
    for (const name of ['a', 'b', 'c']) bus.publish(conflictOn(name));
    const seen = await first.received(3);
    expect(datasetsOf(seen)).toEqual(['a', 'b', 'c']);
    first.close();

    // Missed while disconnected.
    for (const name of ['d', 'e', 'f']) bus.publish(conflictOn(name));
    const resumed = await connect(url, seen[2]?.id);
    expect(await throughMarker(bus, resumed, 'g')).toEqual(['d', 'e', 'f', 'g']);
  });

  it('resumes from an id in the middle of what the first connection saw', async () => {
    const bus = new ActivityBus();
    const url = await serveConsole(bus);
    const first = await connect(url);
    for (const name of ['a', 'b', 'c']) bus.publish(conflictOn(name));
    const seen = await first.received(3);
    first.close();
    const resumed = await connect(url, seen[0]?.id);
    expect(await throughMarker(bus, resumed, 'd')).toEqual(['b', 'c', 'd']);
  });

  it('resumes with only the missed events still kept: those over an hour old are gone', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const bus = new ActivityBus(() => now);
    const url = await serveConsole(bus);
    const first = await connect(url);
    bus.publish(conflictOn('seen'));
    const [seen] = await first.received(1);
    first.close();
    bus.publish(conflictOn('forgotten'));
    now += ACTIVITY_KEPT_MS / 2;
    bus.publish(conflictOn('kept'));
    now += ACTIVITY_KEPT_MS / 2 + 1;
    const resumed = await connect(url, seen?.id);
    expect(await throughMarker(bus, resumed, 'now')).toEqual(['kept', 'now']);
  });

  it.each([
    ['empty', ''],
    ['blank', ' '],
    ['not a number', 'abc'],
    ['not a decimal id', '0x1'],
  ])('treats a Last-Event-ID that is %s as no id: only what happens after', async (_, lastEventId) => {
    const bus = new ActivityBus();
    const url = await serveConsole(bus);
    bus.publish(conflictOn('before'));
    const stream = await connect(url, lastEventId);
    expect(await throughMarker(bus, stream, 'after')).toEqual(['after']);
  });

  it('gives a browser back from before a restart all the new run has kept, with ids above the ones it saw', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const before = new ActivityBus(() => now);
    const beforeUrl = await serveConsole(before);
    const first = await connect(beforeUrl);
    for (const name of ['old-1', 'old-2', 'old-3']) before.publish(conflictOn(name));
    const seen = await first.received(3);
    await stops.pop()?.();

    // `npm start` again, a few seconds later: a device syncs before the page reconnects.
    now += 5_000;
    const after = new ActivityBus(() => now);
    const afterUrl = await serveConsole(after);
    after.publish(conflictOn('new-1'));
    after.publish(conflictOn('new-2'));
    const resumed = await connect(afterUrl, seen[2]?.id);
    expect(await throughMarker(after, resumed, 'new-3')).toEqual(['new-1', 'new-2', 'new-3']);
    // The page orders events by id: the new run's come after the old run's.
    const newIds = resumed.events.map((e) => Number(e.id));
    expect(Math.min(...newIds)).toBeGreaterThan(Number(seen[2]?.id));
  });
});
