/** One pool: usage, configuration (push sync, Cognito Streams, sync trigger), BulkPublish, and its identities. */
import { useState } from 'preact/hooks';
import { getJson, type IdentitySummary, label, type PoolDetail, send } from '../api';
import { formatBytes, formatDate } from '../format';
import { NavList } from '../nav-list';
import { hrefOf } from '../route';
import type { Loaded } from '../use-data';
import { useData } from '../use-data';

export function PoolView({ pool, identity, refresh }: { pool: string; identity?: string; refresh: number }) {
  const detail = useData(pool, () => getJson<PoolDetail>(`/pools/${label(pool)}`), refresh);
  const identities = useData(pool, () => getJson<IdentitySummary[]>(`/pools/${label(pool)}/identities`), refresh);
  return (
    <section aria-labelledby="pool-heading">
      <h2 id="pool-heading">Pool {pool}</h2>
      {detail.error && <p role="alert">{detail.error}</p>}
      {detail.data && <PoolFacts detail={detail.data} reload={detail.reload} />}
      <h3>Identities</h3>
      {identities.error && <p role="alert">{identities.error}</p>}
      {identities.data && (
        <NavList
          label="Identities"
          empty="No identities yet: an app gets one with GetId."
          items={identities.data.map((i) => ({
            key: i.identityId,
            href: hrefOf({ pool, identity: i.identityId }),
            label: i.identityId,
            current: i.identityId === identity,
            detail: `since ${formatDate(i.creationDate)}`,
          }))}
        />
      )}
    </section>
  );
}

function PoolFacts({ detail, reload }: { detail: PoolDetail; reload: Loaded<PoolDetail>['reload'] }) {
  const [message, setMessage] = useState<string>();
  const bulkPublish = async () => {
    try {
      await send('POST', `/pools/${label(detail.identityPoolId)}/bulk-publish`);
      setMessage('BulkPublish started.');
    } catch (e) {
      setMessage(`BulkPublish refused: ${(e as Error).message}`);
    }
    reload();
  };
  const streams = detail.cognitoStreams;
  return (
    <div>
      <dl class="facts">
        <dt>Data storage</dt>
        <dd>{formatBytes(detail.usage?.DataStorage)}</dd>
        <dt>Sync sessions</dt>
        <dd>{detail.usage?.SyncSessionsCount ?? 0}</dd>
        <dt>Last modified</dt>
        <dd>{formatDate(detail.usage?.LastModifiedDate)}</dd>
        <dt>Push sync</dt>
        <dd>{detail.pushSync?.ApplicationArns?.length ? `${detail.pushSync.ApplicationArns.join(', ')} (role ${detail.pushSync.RoleArn})` : 'off'}</dd>
        <dt>Cognito Streams</dt>
        <dd>
          {streams?.StreamName ? `${streams.StreamName}, ${streams.StreamingStatus}${streams.DisabledReason ? ` (${streams.DisabledReason})` : ''}` : 'off'}
        </dd>
        <dt>Sync trigger</dt>
        <dd>{detail.events.SyncTrigger ?? 'none'}</dd>
        <dt>BulkPublish</dt>
        <dd>
          {detail.bulkPublish.BulkPublishStatus ?? 'never started'}
          {detail.bulkPublish.BulkPublishCompleteTime && `, completed ${formatDate(detail.bulkPublish.BulkPublishCompleteTime)}`}
          {detail.bulkPublish.FailureMessage && ` (${detail.bulkPublish.FailureMessage})`}{' '}
          <button type="button" onClick={bulkPublish}>
            Start BulkPublish
          </button>
        </dd>
      </dl>
      {message && <p role="status">{message}</p>}
    </div>
  );
}
