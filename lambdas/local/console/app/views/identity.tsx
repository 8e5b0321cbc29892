/** One identity: its datasets (ListDatasets), and the deleted ones the console saw, with their deletion floor. */
import { getJson, type IdentityDetail, label } from '../api';
import { counted, formatBytes, formatDate } from '../format';
import { NavList } from '../nav-list';
import { hrefOf } from '../route';
import { useData } from '../use-data';

export function IdentityView({ pool, identity, dataset, refresh }: { pool: string; identity: string; dataset?: string; refresh: number }) {
  const { data, error } = useIdentity(pool, identity, refresh);
  return (
    <section aria-labelledby="identity-heading">
      <h2 id="identity-heading">Identity {identity}</h2>
      {error && <p role="alert">{error}</p>}
      {data && (
        <div>
          <p>
            {counted(data.usage?.DatasetCount ?? 0, 'dataset')}, {formatBytes(data.usage?.DataStorage)}, last modified{' '}
            {formatDate(data.usage?.LastModifiedDate)}
          </p>
          <NavList
            label="Datasets"
            empty="No datasets."
            items={data.datasets.map((d) => ({
              key: d.DatasetName ?? '',
              href: hrefOf({ pool, identity, dataset: d.DatasetName }),
              label: d.DatasetName,
              current: d.DatasetName === dataset,
              detail: `sync count ${d.SyncCount ?? 0} · ${counted(d.NumRecords ?? 0, 'record')} · ${formatBytes(d.DataStorage)} · by ${d.LastModifiedBy ?? '—'} · ${formatDate(d.LastModifiedDate)}`,
            }))}
          />
          <h3>Deleted datasets</h3>
          <p class="note">
            ListDatasets no longer lists a deleted dataset. These are the deletions the change feed reported in the last hour; the floor is ListRecords'
            DatasetSyncCount while DatasetExists is false: a re-created dataset counts on from it.
          </p>
          {data.deleted.length === 0 ? (
            <p class="empty">None seen.</p>
          ) : (
            <table aria-label="Deleted datasets">
              <thead>
                <tr>
                  <th scope="col">Dataset</th>
                  <th scope="col">Deletion floor (sync count)</th>
                </tr>
              </thead>
              <tbody>
                {data.deleted.map((d) => (
                  <tr key={d.datasetName}>
                    <td>
                      <a href={hrefOf({ pool, identity, dataset: d.datasetName })}>{d.datasetName}</a>
                    </td>
                    <td>{d.deletionFloor}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}

function useIdentity(pool: string, identity: string, refresh: number) {
  return useData(`${pool}/${identity}`, () => getJson<IdentityDetail>(`/pools/${label(pool)}/identities/${label(identity)}`), refresh);
}
