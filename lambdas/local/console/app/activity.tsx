/**
 * Live activity, from the endpoint's server-sent events (fed by the change feed, the function
 * runner and the server's 409 answers): newest first, without reloading the page.
 */
import { useEffect, useState } from 'preact/hooks';
import { API, type Activity, type ActivitySummary, getJson } from './api';
import { counted, shortId } from './format';

const SHOWN = 100;

/** The events so far (the last hour's, then each as it comes), and `onEvent` told of each new one. */
export function useActivity(onEvent: (event: Activity) => void): Activity[] {
  const [events, setEvents] = useState<Activity[]>([]);
  // One stream for the page's life; onEvent reads state through setters only.
  useEffect(() => {
    const merge = (incoming: Activity[]) =>
      setEvents((now) => {
        const byId = new Map(now.map((e) => [e.id, e]));
        for (const e of incoming) byId.set(e.id, e);
        return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, SHOWN);
      });
    // The stream first, then the history: nothing that happens in between is missed (ids merge them).
    const source = new EventSource(`${API}/activity/events`);
    source.onmessage = (message) => {
      const event = JSON.parse(message.data) as Activity;
      merge([event]);
      onEvent(event);
    };
    getJson<ActivitySummary>('/activity').then(
      (summary) => merge(summary.events),
      () => undefined,
    );
    return () => source.close();
  }, []);
  return events;
}

export function describeActivity(event: Activity): string {
  switch (event.type) {
    case 'sync':
      return event.kind === 'delete'
        ? `deleted ${event.datasetName} of ${shortId(event.identityId)} at sync count ${event.syncCount}`
        : `sync ${event.datasetName} of ${shortId(event.identityId)}: sync count ${event.syncCount}, ${counted(event.recordsChanged, 'record')} changed`;
    case 'push':
      return `push to ${event.device} (${event.platform}), ${event.outcome}: ${event.payload}`;
    case 'stream':
      return `stream record to ${event.streamName}: ${event.operation} ${event.datasetName} of ${shortId(event.identityId)} at sync count ${event.syncCount} (${counted(event.recordCount, 'record')})`;
    case 'invocation':
      return `${event.functionName} ${event.error ? 'failed' : 'answered'}: ${event.payload}`;
    case 'conflict':
      return `conflict (409) on ${decodeURIComponent(event.path)}`;
  }
}

export function ActivityPanel({ events }: { events: Activity[] }) {
  return (
    <section aria-labelledby="activity-heading">
      <h2 id="activity-heading">Live activity</h2>
      {events.length === 0 ? (
        <p class="empty">Nothing yet: syncs, pushes, stream records and sync-trigger calls show here as they happen.</p>
      ) : (
        <ol class="activity" aria-label="Live activity" aria-live="polite">
          {events.map((e) => (
            <li key={e.id} class={`activity-${e.type}`}>
              <time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleTimeString()}</time>{' '}
              <span class="kind">{e.type === 'sync' ? e.kind : e.type}</span> <span class="what">{describeActivity(e)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
