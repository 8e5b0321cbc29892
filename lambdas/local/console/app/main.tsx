/**
 * The local console: pools → identities → datasets → records on the left, live activity and charts
 * on the right. All data comes from /_console/api (the service's own APIs, called as the developer
 * by the endpoint).
 */
import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type ActivitySummary, getJson, type PoolSummary } from './api';
import { ActivityPanel, useActivity } from './activity';
import { BytesPerPoolChart, PerMinuteChart } from './charts';
import { hrefOf, useRoute } from './route';
import { DatasetView } from './views/dataset';
import { IdentityView } from './views/identity';
import { PoolView } from './views/pool';
import { PoolsView } from './views/pools';
import './styles.css';

/** Live events come in bursts (a client syncing several datasets): the views reload once per burst. */
const RELOAD_AFTER_MS = 250;

function App() {
  const route = useRoute();
  const [refresh, setRefresh] = useState(0);
  const [pools, setPools] = useState<PoolSummary[]>();
  const [summary, setSummary] = useState<ActivitySummary>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reloadAll = useCallback(() => {
    getJson<PoolSummary[]>('/pools').then(setPools, () => undefined);
    getJson<ActivitySummary>('/activity').then(setSummary, () => undefined);
    setRefresh((n) => n + 1);
  }, []);
  const events = useActivity(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(reloadAll, RELOAD_AFTER_MS);
  });
  useEffect(() => {
    reloadAll();
    // The per-minute chart moves on with the clock even when nothing happens.
    const tick = setInterval(() => getJson<ActivitySummary>('/activity').then(setSummary, () => undefined), 30_000);
    return () => clearInterval(tick);
  }, [reloadAll]);

  return (
    <>
      <header>
        <h1>
          <a href={hrefOf({})}>open-cognito-sync</a> · local console
        </h1>
        <nav aria-label="Breadcrumb">
          <ol class="breadcrumb">
            <li>
              <a href={hrefOf({})}>Pools</a>
            </li>
            {route.pool && (
              <li>
                <a href={hrefOf({ pool: route.pool })}>{route.pool}</a>
              </li>
            )}
            {route.pool && route.identity && (
              <li>
                <a href={hrefOf({ pool: route.pool, identity: route.identity })}>{route.identity}</a>
              </li>
            )}
            {route.pool && route.identity && route.dataset && (
              <li>
                <a href={hrefOf(route)} aria-current="page">
                  {route.dataset}
                </a>
              </li>
            )}
          </ol>
        </nav>
      </header>
      <main>
        <div class="browse">
          <PoolsView pools={pools} current={route.pool} />
          {route.pool && <PoolView pool={route.pool} identity={route.identity} refresh={refresh} />}
          {route.pool && route.identity && <IdentityView pool={route.pool} identity={route.identity} dataset={route.dataset} refresh={refresh} />}
          {route.pool && route.identity && route.dataset && (
            <DatasetView pool={route.pool} identity={route.identity} dataset={route.dataset} since={route.since} refresh={refresh} />
          )}
        </div>
        <aside class="live">
          <PerMinuteChart perMinute={summary?.perMinute} />
          <BytesPerPoolChart pools={pools} />
          <ActivityPanel events={events} />
        </aside>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
