/**
 * One dataset: DescribeDataset, and its records as ListRecords answers them (every page) with the
 * changes since a chosen sync count; tombstones are records without a value. Actions, each a call
 * of the developer API: edit a record (UpdateRecords), delete the dataset (DeleteDataset).
 */
import { useState } from 'preact/hooks';
import { type DatasetDetail, getJson, label, send } from '../api';
import { counted, formatBytes, formatDate } from '../format';
import { hrefOf } from '../route';
import { useData } from '../use-data';

interface Props {
  pool: string;
  identity: string;
  dataset: string;
  since: number;
  refresh: number;
}

export function DatasetView({ pool, identity, dataset, since, refresh }: Props) {
  const path = `/pools/${label(pool)}/identities/${label(identity)}/datasets/${label(dataset)}`;
  const { data, error, reload } = useData(`${path}?${since}`, () => getJson<DatasetDetail>(`${path}?since=${since}`), refresh);
  const [message, setMessage] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const act = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
      setMessage(`${what}: done.`);
    } catch (e) {
      setMessage(`${what} refused: ${(e as Error).message}`);
    }
    setConfirming(false);
    reload();
  };
  return (
    <section aria-labelledby="dataset-heading">
      <h2 id="dataset-heading">Dataset {dataset}</h2>
      {error && <p role="alert">{error}</p>}
      {message && <p role="status">{message}</p>}
      {data && (
        <div>
          <p class="facts-line">
            {data.datasetExists === false
              ? `Deleted: ListRecords answers DatasetExists false, deletion floor (DatasetSyncCount) ${data.datasetSyncCount}.`
              : `Sync count ${data.datasetSyncCount}, ${counted(data.dataset?.NumRecords ?? 0, 'record')}, ${formatBytes(data.dataset?.DataStorage)}, last modified by ${data.dataset?.LastModifiedBy ?? '—'} ${formatDate(data.dataset?.LastModifiedDate)}.`}
            {data.datasetDeletedAfterRequestedSyncCount && ' Deleted after the sync count asked for.'}
          </p>
          <form
            class="since"
            onSubmit={(e) => {
              e.preventDefault();
              const value = new FormData(e.currentTarget).get('since');
              location.hash = hrefOf({ pool, identity, dataset, since: Number(value) || 0 });
            }}
          >
            <label for="since">Changes since sync count</label>
            <input id="since" name="since" type="number" min={0} value={since} />
            <button type="submit">Show</button>
          </form>
          <RecordsTable dataset={dataset} detail={data} />
          {data.datasetExists !== false && (
            <div>
              <EditRecord onSave={(key, value) => act('UpdateRecords', () => send('PUT', `${path}/records/${label(key)}`, { value }))} />
              <div class="danger">
                {confirming ? (
                  <div>
                    <button type="button" onClick={() => act('DeleteDataset', () => send('DELETE', path))}>
                      Confirm: delete dataset {dataset}
                    </button>{' '}
                    <button type="button" onClick={() => setConfirming(false)}>
                      Cancel
                    </button>
                  </div>
                ) : (
                  <button type="button" onClick={() => setConfirming(true)}>
                    Delete dataset…
                  </button>
                )}
              </div>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function RecordsTable({ dataset, detail }: { dataset: string; detail: DatasetDetail }) {
  if (detail.records.length === 0) return <p class="empty">No records changed since sync count {detail.since}.</p>;
  return (
    <table aria-label={`Records of ${dataset}`}>
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
          <th scope="col">Sync count</th>
          <th scope="col">Last modified</th>
          <th scope="col">By</th>
          <th scope="col">Device date</th>
        </tr>
      </thead>
      <tbody>
        {detail.records.map((r) => (
          <tr key={r.Key} class={r.Value === undefined ? 'tombstone' : undefined}>
            <th scope="row">{r.Key}</th>
            <td>{r.Value === undefined ? <em>removed (tombstone)</em> : r.Value}</td>
            <td>{r.SyncCount}</td>
            <td>{formatDate(r.LastModifiedDate)}</td>
            <td>{r.LastModifiedBy}</td>
            <td>{formatDate(r.DeviceLastModifiedDate)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EditRecord({ onSave }: { onSave: (key: string, value: string | null) => void }) {
  return (
    <form
      class="edit"
      aria-label="Edit a record as the developer"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const key = String(form.get('key') ?? '');
        if (key) onSave(key, form.get('remove') ? null : String(form.get('value') ?? ''));
      }}
    >
      <h3>Edit a record as the developer</h3>
      <label for="edit-key">Key</label>
      <input id="edit-key" name="key" required />
      <label for="edit-value">Value</label>
      <input id="edit-value" name="value" />
      <label>
        <input type="checkbox" name="remove" /> Remove it (leaves a tombstone)
      </label>
      <button type="submit">Save (UpdateRecords)</button>
    </form>
  );
}
