/** How stored datasets and records are shown in the service model's shapes, and who a change is by. */
import { Errors } from '../../errors';
import type { Dataset, DatasetRef, Principal, SyncRecord } from '../model';
import type { DatasetHead, StoredRecord } from '../ports';

/** Who a change is attributed to: docs/decisions.md#lastmodifiedby-names-the-account-or-the-identity */
export const modifiedBy = (principal: Principal): string => (principal.kind === 'developer' ? principal.accountId : principal.identityId);

export const isLive = (head: DatasetHead | undefined): head is DatasetHead => head !== undefined && !head.deleted;

export const toDataset = (identityId: string, head: DatasetHead): Dataset => ({
  IdentityId: identityId,
  DatasetName: head.name,
  CreationDate: new Date(head.creationDate),
  LastModifiedDate: new Date(head.lastModifiedDate),
  LastModifiedBy: head.lastModifiedBy,
  DataStorage: head.dataStorage,
  NumRecords: head.numRecords,
});

export const toRecord = (r: StoredRecord): SyncRecord => ({
  Key: r.key,
  ...(r.value !== undefined ? { Value: r.value } : {}),
  SyncCount: r.syncCount,
  LastModifiedDate: new Date(r.lastModifiedDate),
  LastModifiedBy: r.lastModifiedBy,
  ...(r.deviceLastModifiedDate !== undefined ? { DeviceLastModifiedDate: new Date(r.deviceLastModifiedDate) } : {}),
});

export const datasetNotFound = (ref: DatasetRef) => Errors.resourceNotFound(`Dataset '${ref.DatasetName}' of identity '${ref.IdentityId}' was not found.`);

export const invalidNextToken = () => Errors.invalidParameter('The NextToken is not valid for this request.');
