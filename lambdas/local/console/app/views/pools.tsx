/** The local Cognito Identity's pools, with their usage. */
import type { PoolSummary } from '../api';
import { formatBytes } from '../format';
import { NavList } from '../nav-list';
import { hrefOf } from '../route';

export function PoolsView({ pools, current }: { pools?: PoolSummary[]; current?: string }) {
  return (
    <section aria-labelledby="pools-heading">
      <h2 id="pools-heading">Identity pools</h2>
      {pools === undefined ? (
        <p class="empty">Loading…</p>
      ) : (
        <NavList
          label="Identity pools"
          empty="No identity pools yet: create one with CreateIdentityPool (developer credentials)."
          items={pools.map((p) => ({
            key: p.identityPoolId,
            href: hrefOf({ pool: p.identityPoolId }),
            label: p.name,
            current: p.identityPoolId === current,
            detail: `${p.identityPoolId} · ${formatBytes(p.usage?.DataStorage)} · ${p.usage?.SyncSessionsCount ?? 0} syncs`,
          }))}
        />
      )}
    </section>
  );
}
