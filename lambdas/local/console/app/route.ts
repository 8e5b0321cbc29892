/**
 * The console's place, in the URL's hash (so that reloads and the back button work, and the
 * endpoint serves one page): #/pools/<pool>/identities/<identity>/datasets/<dataset>?since=<n>.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  pool?: string;
  identity?: string;
  dataset?: string;
  since: number;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const s = path.split('/').filter(Boolean).map(decodeURIComponent);
  const since = Number(new URLSearchParams(query).get('since') ?? '0');
  return {
    pool: s[0] === 'pools' ? s[1] : undefined,
    identity: s[2] === 'identities' ? s[3] : undefined,
    dataset: s[4] === 'datasets' ? s[5] : undefined,
    since: Number.isInteger(since) && since >= 0 ? since : 0,
  };
}

export function hrefOf(route: Partial<Route>): string {
  let hash = '#/';
  if (route.pool === undefined) return hash;
  hash += `pools/${encodeURIComponent(route.pool)}`;
  if (route.identity !== undefined) hash += `/identities/${encodeURIComponent(route.identity)}`;
  if (route.identity !== undefined && route.dataset !== undefined) hash += `/datasets/${encodeURIComponent(route.dataset)}`;
  if (route.since) hash += `?since=${route.since}`;
  return hash;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
