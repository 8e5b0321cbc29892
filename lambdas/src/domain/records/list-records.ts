/** ListRecords: a dataset's changes since a sync count, in pages, and a fresh sync session token. */
import { Errors } from '../../errors';
import type { PageLimits } from '../../operations';
import type { ListRecordsInput, ListRecordsOutput } from '../model';
import type { Clock } from '../ports';
import { SyncSessionTokens } from '../tokens';
import { recordsThatFit } from './answer-size';
import { pageLimitsOf, pageSize, type RecordsReader, type Tokens } from './ports';
import { invalidNextToken, toRecord } from './views';

export interface RecordListingDeps {
  readonly store: RecordsReader;
  readonly clock: Clock;
  readonly tokens: Tokens;
}

/** What a ListRecords NextToken carries. */
interface ListRecordsPosition {
  p: string;
  i: string;
  d: string;
  /** The lastSyncCount the listing started from. */
  l: number;
  /** The store's cursor. */
  c: string;
}

export class RecordListing {
  private readonly pages: PageLimits = pageLimitsOf('ListRecords');
  private readonly sessions: SyncSessionTokens;

  constructor(private readonly deps: RecordListingDeps) {
    this.sessions = new SyncSessionTokens(deps.tokens);
  }

  async listRecords(input: ListRecordsInput): Promise<ListRecordsOutput> {
    const { store, clock, tokens } = this.deps;
    let lastSyncCount = input.LastSyncCount ?? 0;
    let cursor: string | undefined;
    if (input.NextToken !== undefined) {
      const position = tokens.open<ListRecordsPosition>('list-records', input.NextToken);
      if (!position || position.p !== input.IdentityPoolId || position.i !== input.IdentityId || position.d !== input.DatasetName) {
        throw invalidNextToken();
      }
      lastSyncCount = position.l;
      cursor = position.c;
    }

    // A page whose records would not fit in one answer is read again, shorter; the store's cursor
    // then continues after the last record returned (a page may hold fewer than MaxResults).
    let page = await store.listRecords(input, lastSyncCount, pageSize(input.MaxResults, this.pages), cursor);
    for (let fit = recordsThatFit(page.records); fit < page.records.length; fit = recordsThatFit(page.records)) {
      page = await store.listRecords(input, lastSyncCount, fit, cursor);
    }
    const head = page.head;
    // ListRecords never rejects a session token; every call issues a fresh one.
    const SyncSessionToken = this.sessions.issue(input, clock.now());
    // Deleted after the client's last sync, whether or not re-created since
    // (docs/behaviour.md#deleted-datasets). Android and iOS also act on DatasetExists, but
    // amazon-cognito-js 1.1.0 only on this flag.
    const deletedSinceLastSync = head !== undefined && lastSyncCount > 0 && lastSyncCount <= head.deletedAtSyncCount;

    if (head === undefined || head.deleted) {
      return {
        Records: [],
        Count: 0,
        DatasetSyncCount: head?.syncCount ?? 0,
        ...(head ? { LastModifiedBy: head.lastModifiedBy } : {}),
        DatasetExists: false,
        DatasetDeletedAfterRequestedSyncCount: deletedSinceLastSync,
        SyncSessionToken,
      };
    }
    if (lastSyncCount > head.syncCount) {
      throw Errors.invalidParameter(`No such SyncCount: ${lastSyncCount} exists for this Dataset`);
    }
    // Records at or below the floor belong to an incarnation that DeleteDataset removed.
    const records = page.records.filter((r) => r.syncCount > head.floor).map(toRecord);
    const position: ListRecordsPosition | undefined = page.cursor
      ? { p: input.IdentityPoolId, i: input.IdentityId, d: input.DatasetName, l: lastSyncCount, c: page.cursor }
      : undefined;
    return {
      Records: records,
      ...(position ? { NextToken: tokens.seal('list-records', position) } : {}),
      Count: records.length,
      DatasetSyncCount: head.syncCount,
      LastModifiedBy: head.lastModifiedBy,
      DatasetExists: true,
      DatasetDeletedAfterRequestedSyncCount: deletedSinceLastSync,
      SyncSessionToken,
    };
  }
}
