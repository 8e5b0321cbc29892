/** DeleteDataset: the dataset is marked deleted, keeping its sync count (docs/behaviour.md#deleted-datasets). */
import { Errors } from '../../errors';
import { Contention } from '../contention';
import type { Dataset, DatasetRef, Principal } from '../model';
import type { Clock } from '../ports';
import type { DatasetDeleter } from './ports';
import { datasetNotFound, isLive, modifiedBy, toDataset } from './views';

export interface DatasetDeletionDeps {
  readonly store: DatasetDeleter;
  readonly clock: Clock;
}

export class DatasetDeletion {
  constructor(private readonly deps: DatasetDeletionDeps) {}

  async deleteDataset(principal: Principal, input: DatasetRef): Promise<{ Dataset: Dataset }> {
    const { store, clock } = this.deps;
    const contention = new Contention();
    for (;;) {
      // readForUpdate settles any commit in flight, so the deletion never races a half-applied one.
      const { head } = await store.readForUpdate(input, []);
      if (!isLive(head)) throw datasetNotFound(input);
      const now = clock.now();
      const refusal = await store.deleteDataset({
        dataset: input,
        expected: head,
        deletedHead: {
          ...head,
          deleted: true,
          floor: head.syncCount,
          deletedAtSyncCount: head.syncCount,
          numRecords: 0,
          dataStorage: 0,
          lastModifiedDate: now,
          lastModifiedBy: modifiedBy(principal),
        },
        lastModifiedDate: now,
      });
      if (refusal === undefined) return { Dataset: toDataset(input.IdentityId, head) };
      if (!(await contention.waitTurn())) {
        throw Errors.resourceConflict(`Dataset '${input.DatasetName}' is being modified concurrently; retry the deletion.`);
      }
    }
  }
}
