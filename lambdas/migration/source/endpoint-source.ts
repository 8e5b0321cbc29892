/**
 * A `DatasetSource` over a Cognito Sync endpoint: AWS's regional one by default, or any compatible
 * endpoint (this service's included), read with developer credentials through the public API only.
 *
 * Identities come from Cognito Identity's ListIdentities (disabled identities too: their data is
 * still theirs). A dataset is read whole with ListRecords from sync count 0, which returns
 * tombstones here (docs/behaviour.md#tombstones); its dates and LastModifiedBy come from
 * DescribeDataset. A dataset deleted and not re-created is not listed and reads as absent.
 *
 * Apps may be writing while the source is read, so a dataset read is checked for consistency and
 * read again when it moved (see `readOnce`).
 */
import {
  CognitoIdentityClient,
  ListIdentitiesCommand,
  ListIdentityPoolsCommand,
  ResourceNotFoundException as IdentityResourceNotFound,
} from '@aws-sdk/client-cognito-identity';
import {
  CognitoSyncClient,
  DescribeDatasetCommand,
  GetCognitoEventsCommand,
  GetIdentityPoolConfigurationCommand,
  ListDatasetsCommand,
  ListRecordsCommand,
  type ListRecordsResponse,
  ResourceNotFoundException,
  type _Record,
} from '@aws-sdk/client-cognito-sync';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { DatasetAddress, DatasetListing, DatasetSnapshot, DatasetSource, MigratedRecord, PoolConfiguration } from '../model';
import { retryingCall, type SourceCall } from './call';
import { bySyncCountThenKey } from './record-order';

export interface EndpointSourceOptions {
  /** The region of the source; by default the SDK's (AWS_REGION, the profile). */
  readonly region?: string;
  /** A Cognito Sync endpoint other than AWS's regional one, e.g. `http://127.0.0.1:8080`. */
  readonly endpoint?: string;
  /** A Cognito Identity endpoint other than AWS's regional one. */
  readonly identityEndpoint?: string;
  /** Developer credentials; by default the standard AWS credential chain. */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The hook every request goes through (rate limit, retry); by default `retryingCall()`. */
  readonly call?: SourceCall;
}

export interface EndpointSource extends DatasetSource {
  /** Every identity pool of the account and region (for `--all-pools`). */
  listIdentityPools(): AsyncIterable<string>;
  close(): void;
}

/** The largest pages the APIs allow: fewer requests against the source's limits. */
const IDENTITY_PAGE = 60;
const DATASET_PAGE = 64;
const RECORD_PAGE = 1024;
/** Reads of one dataset before giving up on one that changes faster than it can be read. */
const MAX_READS = 5;

/** Thrown when a dataset changed during every one of `MAX_READS` reads. */
export class DatasetKeptChangingError extends Error {
  constructor(readonly address: DatasetAddress) {
    super(`Dataset '${address.datasetName}' of identity '${address.identityId}' changed during each of ${MAX_READS} reads; try again later`);
    this.name = 'DatasetKeptChangingError';
  }
}

const millis = (date: Date | undefined): number => date?.getTime() ?? 0;

const toMigratedRecord = (r: _Record): MigratedRecord => ({
  key: r.Key ?? '',
  ...(r.Value !== undefined ? { value: r.Value } : {}),
  syncCount: r.SyncCount ?? 0,
  lastModifiedDate: millis(r.LastModifiedDate),
  lastModifiedBy: r.LastModifiedBy ?? '',
  ...(r.DeviceLastModifiedDate !== undefined ? { deviceLastModifiedDate: r.DeviceLastModifiedDate.getTime() } : {}),
});

export function createEndpointSource(options: EndpointSourceOptions = {}): EndpointSource {
  const common = { region: options.region, credentials: options.credentials, maxAttempts: 1 };
  const sync = new CognitoSyncClient({ ...common, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  const identity = new CognitoIdentityClient({ ...common, ...(options.identityEndpoint ? { endpoint: options.identityEndpoint } : {}) });
  const call = options.call ?? retryingCall();

  const listRecordsPage = (address: DatasetAddress, lastSyncCount: number, maxResults: number, nextToken?: string) =>
    call('ListRecords', () =>
      sync.send(
        new ListRecordsCommand({
          IdentityPoolId: address.identityPoolId,
          IdentityId: address.identityId,
          DatasetName: address.datasetName,
          LastSyncCount: lastSyncCount,
          MaxResults: maxResults,
          NextToken: nextToken,
        }),
      ),
    );

  /** Whether the dataset is still at `syncCount` and live: nothing was written or deleted since. */
  const stillAt = (page: ListRecordsResponse, syncCount: number): boolean => page.DatasetExists === true && page.DatasetSyncCount === syncCount;

  /**
   * The count at which the dataset was last deleted, found from `DatasetDeletedAfterRequestedSyncCount`:
   * it is true exactly for the counts at or below the deletion, so a bisection over `[1, syncCount)`
   * finds it. 'changed' when the dataset moved meanwhile.
   */
  const findDeletionCount = async (address: DatasetAddress, syncCount: number): Promise<number | 'changed'> => {
    let deletedAtOrAbove = 1;
    let notDeletedAt = syncCount;
    while (notDeletedAt - deletedAtOrAbove > 1) {
      const middle = Math.floor((deletedAtOrAbove + notDeletedAt) / 2);
      const probe = await listRecordsPage(address, middle, 1);
      if (!stillAt(probe, syncCount)) return 'changed';
      if (probe.DatasetDeletedAfterRequestedSyncCount) deletedAtOrAbove = middle;
      else notDeletedAt = middle;
    }
    return deletedAtOrAbove;
  };

  /**
   * One read of a whole dataset, or 'changed' when a write or deletion landed during it. The pages
   * must all report the same `DatasetSyncCount` and hold no record above it; DescribeDataset then
   * gives the dates, and a last one-record ListRecords (from count 1, which also tells whether the
   * dataset was ever deleted) confirms the count did not move: every commit raises it, so the
   * description lies between two observations of the same state.
   */
  const readOnce = async (address: DatasetAddress): Promise<DatasetSnapshot | undefined | 'changed'> => {
    let page = await listRecordsPage(address, 0, RECORD_PAGE);
    if (page.DatasetExists !== true) return undefined;
    const syncCount = page.DatasetSyncCount ?? 0;
    const records: MigratedRecord[] = [];
    for (;;) {
      if (!stillAt(page, syncCount)) return 'changed';
      for (const r of page.Records ?? []) records.push(toMigratedRecord(r));
      if (!page.NextToken) break;
      page = await listRecordsPage(address, 0, RECORD_PAGE, page.NextToken);
    }
    if (records.some((r) => r.syncCount > syncCount)) return 'changed';

    let described: Awaited<ReturnType<typeof describe>>;
    try {
      described = await describe(address);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return 'changed';
      throw error;
    }
    // A live dataset has had at least one commit; the guard keeps an odd endpoint's 0 valid.
    const probe = await listRecordsPage(address, Math.min(1, syncCount), 1);
    if (!stillAt(probe, syncCount)) return 'changed';
    let deletedAtSyncCount: number | undefined;
    if (probe.DatasetDeletedAfterRequestedSyncCount) {
      const found = await findDeletionCount(address, syncCount);
      if (found === 'changed') return 'changed';
      deletedAtSyncCount = found;
    }

    records.sort(bySyncCountThenKey);
    return {
      ...address,
      syncCount,
      creationDate: millis(described?.CreationDate),
      lastModifiedDate: millis(described?.LastModifiedDate),
      lastModifiedBy: described?.LastModifiedBy ?? page.LastModifiedBy ?? '',
      records,
      ...(deletedAtSyncCount !== undefined ? { deletedAtSyncCount } : {}),
    };
  };

  const describe = async (address: DatasetAddress) => {
    const out = await call('DescribeDataset', () =>
      sync.send(new DescribeDatasetCommand({ IdentityPoolId: address.identityPoolId, IdentityId: address.identityId, DatasetName: address.datasetName })),
    );
    return out.Dataset;
  };

  return {
    async *listIdentityPools(): AsyncIterable<string> {
      let nextToken: string | undefined;
      do {
        const out = await call('ListIdentityPools', () => identity.send(new ListIdentityPoolsCommand({ MaxResults: IDENTITY_PAGE, NextToken: nextToken })));
        for (const pool of out.IdentityPools ?? []) if (pool.IdentityPoolId) yield pool.IdentityPoolId;
        nextToken = out.NextToken;
      } while (nextToken);
    },

    async *listIdentities(identityPoolId: string): AsyncIterable<string> {
      let nextToken: string | undefined;
      do {
        const out = await call('ListIdentities', () =>
          identity.send(new ListIdentitiesCommand({ IdentityPoolId: identityPoolId, MaxResults: IDENTITY_PAGE, NextToken: nextToken, HideDisabled: false })),
        );
        for (const id of out.Identities ?? []) if (id.IdentityId) yield id.IdentityId;
        nextToken = out.NextToken;
      } while (nextToken);
    },

    async listDatasets(identityPoolId: string, identityId: string): Promise<readonly DatasetListing[]> {
      const listings: DatasetListing[] = [];
      let nextToken: string | undefined;
      do {
        const out = await call('ListDatasets', () =>
          sync.send(new ListDatasetsCommand({ IdentityPoolId: identityPoolId, IdentityId: identityId, MaxResults: DATASET_PAGE, NextToken: nextToken })),
        );
        for (const d of out.Datasets ?? []) {
          if (!d.DatasetName) continue;
          listings.push({
            identityPoolId,
            identityId,
            datasetName: d.DatasetName,
            lastModifiedDate: millis(d.LastModifiedDate),
            numRecords: d.NumRecords ?? 0,
            dataStorage: d.DataStorage ?? 0,
          });
        }
        nextToken = out.NextToken;
      } while (nextToken);
      return listings;
    },

    async readDataset(address: DatasetAddress): Promise<DatasetSnapshot | undefined> {
      for (let read = 1; read <= MAX_READS; read++) {
        const snapshot = await readOnce(address);
        if (snapshot !== 'changed') return snapshot;
      }
      throw new DatasetKeptChangingError(address);
    },

    async readPoolConfiguration(identityPoolId: string): Promise<PoolConfiguration | undefined> {
      try {
        const configuration = await call('GetIdentityPoolConfiguration', () =>
          sync.send(new GetIdentityPoolConfigurationCommand({ IdentityPoolId: identityPoolId })),
        );
        const events = await call('GetCognitoEvents', () => sync.send(new GetCognitoEventsCommand({ IdentityPoolId: identityPoolId })));
        return {
          identityPoolId,
          ...(configuration.PushSync !== undefined ? { pushSync: configuration.PushSync } : {}),
          ...(configuration.CognitoStreams !== undefined ? { cognitoStreams: configuration.CognitoStreams } : {}),
          ...(events.Events !== undefined && Object.keys(events.Events).length > 0 ? { cognitoEvents: events.Events } : {}),
        };
      } catch (error) {
        if (error instanceof ResourceNotFoundException || error instanceof IdentityResourceNotFound) return undefined;
        throw error;
      }
    },

    close(): void {
      sync.destroy();
      identity.destroy();
    },
  };
}
