/**
 * Datasets and records: the behaviour of docs/behaviour.md and docs/decisions.md, as pure logic
 * over the `SyncStore` port. Inputs arrive validated by the protocol layer; access rules (who may
 * touch which identity) are enforced there too.
 */
import { Errors, ServiceError } from '../protocol/errors';
import {
  DEFAULT_LIMITS,
  type Dataset,
  type DatasetRef,
  type IdentityRef,
  type IdentityUsage,
  type Limits,
  type ListDatasetsInput,
  type ListDatasetsOutput,
  type ListRecordsInput,
  type ListRecordsOutput,
  type Principal,
  type SyncRecord,
  type SyncService,
  type UpdateRecordsInput,
  type UpdateRecordsOutput,
} from './model';
import type { Clock, DatasetHead, RecordVersion, StoredRecord, SyncStore } from './ports';
import { SyncSessionTokens, type TokenCodec } from './tokens';

/** Page sizes: docs/decisions.md#page-sizes. */
export const MAX_RESULTS = { listRecords: 1024, listDatasets: 64 } as const;

/**
 * How long (in backoff, not counting the calls themselves) a write keeps re-reading and re-checking
 * while other writes move the same dataset. A budget of time rather than of attempts, so that a burst
 * of many writers on one dataset is served in turn rather than failed after a fixed number of losses.
 */
const CONTENTION_BUDGET_MS = 3_000;

export interface SyncServiceDeps {
  readonly store: SyncStore;
  readonly clock: Clock;
  readonly tokens: TokenCodec;
  readonly limits?: Limits;
}

export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * The most bytes of records one answer may carry, as Lambda counts a function's result: 6 MiB for
 * the whole result (Lambda quotas, synchronous invocation), less room for everything around the
 * records (status, headers, tokens, counts). Over the limit, Lambda fails the invocation and the
 * client gets a 500 from API Gateway, after an UpdateRecords has committed. A valid dataset (1 MB of
 * keys and values) can exceed it, because values are escaped twice on the way out: `\u0001` in the
 * body, `\\u0001` in the result, 7 bytes for a 1-byte character. So ListRecords pages by this size
 * too, and UpdateRecords refuses an update whose records it could not echo.
 */
export const MAX_ANSWER_RECORD_BYTES = 6 * 1024 * 1024 - 64 * 1024;

/** Everything of a record but its key and value, escaped: field names, counts, dates, `LastModifiedBy`. */
const RECORD_FRAME_BYTES = 256;

/** A string's bytes once it is JSON in the body and the body is a JSON string in the result. */
const twiceEscapedBytes = (s: string): number => utf8Length(JSON.stringify(JSON.stringify(s))) - 6;

/** What a record adds to the answer's size, as Lambda counts it (an upper bound). */
export const answerBytes = (key: string, value: string | undefined): number =>
  RECORD_FRAME_BYTES + twiceEscapedBytes(key) + (value === undefined ? 0 : twiceEscapedBytes(value));

/** How many of `records`, from the first, fit in one answer (at least one: a record cannot be split). */
function recordsThatFit(records: readonly StoredRecord[]): number {
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    total += answerBytes(records[i].key, records[i].value);
    if (total > MAX_ANSWER_RECORD_BYTES) return Math.max(i, 1);
  }
  return records.length;
}

/** Who a change is attributed to: docs/decisions.md#lastmodifiedby-names-the-account-or-the-identity */
export const modifiedBy = (principal: Principal): string =>
  principal.kind === 'developer' ? principal.accountId : principal.identityId;

const clampPageSize = (requested: number | undefined, max: number): number =>
  requested === undefined ? max : Math.min(requested, max);

const toDataset = (identityId: string, head: DatasetHead): Dataset => ({
  IdentityId: identityId,
  DatasetName: head.name,
  CreationDate: new Date(head.creationDate),
  LastModifiedDate: new Date(head.lastModifiedDate),
  LastModifiedBy: head.lastModifiedBy,
  DataStorage: head.dataStorage,
  NumRecords: head.numRecords,
});

const toRecord = (r: StoredRecord): SyncRecord => ({
  Key: r.key,
  ...(r.value !== undefined ? { Value: r.value } : {}),
  SyncCount: r.syncCount,
  LastModifiedDate: new Date(r.lastModifiedDate),
  LastModifiedBy: r.lastModifiedBy,
  ...(r.deviceLastModifiedDate !== undefined ? { DeviceLastModifiedDate: new Date(r.deviceLastModifiedDate) } : {}),
});

const isLive = (head: DatasetHead | undefined): head is DatasetHead => head !== undefined && !head.deleted;

const datasetNotFound = (ref: DatasetRef) =>
  Errors.resourceNotFound(`Dataset '${ref.DatasetName}' of identity '${ref.IdentityId}' was not found.`);

const invalidNextToken = () => Errors.invalidParameter('The NextToken is not valid for this request.');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ListRecordsPosition {
  p: string;
  i: string;
  d: string;
  /** The lastSyncCount the listing started from. */
  l: number;
  /** The store's cursor. */
  c: string;
}

interface ListDatasetsPosition {
  p: string;
  i: string;
  /** Name of the last dataset returned. */
  a: string;
}

export class CognitoSyncService implements SyncService {
  private readonly store: SyncStore;
  private readonly clock: Clock;
  private readonly tokens: TokenCodec;
  private readonly sessions: SyncSessionTokens;
  private readonly limits: Limits;

  constructor(deps: SyncServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.tokens = deps.tokens;
    this.sessions = new SyncSessionTokens(deps.tokens);
    this.limits = deps.limits ?? DEFAULT_LIMITS;
  }

  async listDatasets(_principal: Principal, input: ListDatasetsInput): Promise<ListDatasetsOutput> {
    const pageSize = clampPageSize(input.MaxResults, MAX_RESULTS.listDatasets);
    let after: string | undefined;
    if (input.NextToken !== undefined) {
      const position = this.tokens.open<ListDatasetsPosition>('list-datasets', input.NextToken);
      if (!position || position.p !== input.IdentityPoolId || position.i !== input.IdentityId) throw invalidNextToken();
      after = position.a;
    }
    const live = (await this.store.listDatasets(input)).filter(isLive);
    const remaining = after === undefined ? live : live.filter((head) => head.name > after);
    const page = remaining.slice(0, pageSize);
    const more = remaining.length > page.length;
    const position: ListDatasetsPosition | undefined = more
      ? { p: input.IdentityPoolId, i: input.IdentityId, a: page[page.length - 1].name }
      : undefined;
    return {
      Datasets: page.map((head) => toDataset(input.IdentityId, head)),
      Count: page.length,
      ...(position ? { NextToken: this.tokens.seal('list-datasets', position) } : {}),
    };
  }

  async describeDataset(_principal: Principal, input: DatasetRef): Promise<{ Dataset: Dataset }> {
    const head = await this.store.getDataset(input);
    if (!isLive(head)) throw datasetNotFound(input);
    return { Dataset: toDataset(input.IdentityId, head) };
  }

  async deleteDataset(principal: Principal, input: DatasetRef): Promise<{ Dataset: Dataset }> {
    const contention = new Contention();
    for (;;) {
      // readForUpdate settles any commit in flight, so the deletion never races a half-applied one.
      const { head } = await this.store.readForUpdate(input, []);
      if (!isLive(head)) throw datasetNotFound(input);
      const now = this.clock.now();
      const refusal = await this.store.deleteDataset({
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

  async listRecords(_principal: Principal, input: ListRecordsInput): Promise<ListRecordsOutput> {
    const pageSize = clampPageSize(input.MaxResults, MAX_RESULTS.listRecords);
    let lastSyncCount = input.LastSyncCount ?? 0;
    let cursor: string | undefined;
    if (input.NextToken !== undefined) {
      const position = this.tokens.open<ListRecordsPosition>('list-records', input.NextToken);
      if (
        !position ||
        position.p !== input.IdentityPoolId ||
        position.i !== input.IdentityId ||
        position.d !== input.DatasetName
      ) {
        throw invalidNextToken();
      }
      lastSyncCount = position.l;
      cursor = position.c;
    }

    // A page whose records would not fit in one answer is read again, shorter; the store's cursor
    // then continues after the last record returned (a page may hold fewer than MaxResults).
    let limit = pageSize;
    let page = await this.store.listRecords(input, lastSyncCount, limit, cursor);
    for (let fit = recordsThatFit(page.records); fit < page.records.length; fit = recordsThatFit(page.records)) {
      limit = fit;
      page = await this.store.listRecords(input, lastSyncCount, limit, cursor);
    }
    const head = page.head;
    // ListRecords never rejects a session token; every call issues a fresh one.
    const SyncSessionToken = this.sessions.issue(input, this.clock.now());
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
      ...(position ? { NextToken: this.tokens.seal('list-records', position) } : {}),
      Count: records.length,
      DatasetSyncCount: head.syncCount,
      LastModifiedBy: head.lastModifiedBy,
      DatasetExists: true,
      DatasetDeletedAfterRequestedSyncCount: deletedSinceLastSync,
      SyncSessionToken,
    };
  }

  async updateRecords(principal: Principal, input: UpdateRecordsInput): Promise<UpdateRecordsOutput> {
    if (!this.sessions.isValidFor(input.SyncSessionToken, input, this.clock.now())) {
      throw Errors.invalidParameter('SyncSessionToken not valid for these inputs');
    }
    const patches = input.RecordPatches ?? [];
    // No patches, no write (docs/decisions.md#empty-duplicate-and-oversized-updates).
    if (patches.length === 0) return { Records: [] };
    const keys = patches.map((p) => p.Key);
    const duplicate = keys.find((key, i) => keys.indexOf(key) !== i);
    if (duplicate !== undefined) {
      throw Errors.invalidParameter(`Duplicate record key in RecordPatches: ${duplicate}`);
    }
    if (patches.length > this.limits.recordsPerDataset) {
      throw Errors.limitExceeded(
        `An update may carry at most ${this.limits.recordsPerDataset} record patches; this one has ${patches.length}.`,
      );
    }
    const echoed = patches.reduce((sum, p) => sum + answerBytes(p.Key, p.Op === 'replace' ? (p.Value ?? '') : undefined), 0);
    if (echoed > MAX_ANSWER_RECORD_BYTES) {
      // Refused before anything is written: deployed, the answer could not be returned.
      throw new ServiceError(
        'RequestEntityTooLargeException',
        413,
        `The records of this update would take ${echoed} bytes in the answer, once escaped; the most an answer ` +
          `may carry is ${MAX_ANSWER_RECORD_BYTES}. Send fewer or smaller records per UpdateRecords.`,
      );
    }
    const by = modifiedBy(principal);

    const contention = new Contention();
    for (;;) {
      const snapshot = await this.store.readForUpdate(input, keys);
      const head = snapshot.head;
      const live = isLive(head) ? head : undefined;
      const floor = head?.floor ?? 0;
      // A version at or below the floor was deleted with its dataset: the record does not exist.
      const current = (key: string): RecordVersion | undefined => {
        const version = snapshot.records.get(key);
        return version && version.syncCount > floor ? version : undefined;
      };

      for (const patch of patches) {
        const serverCount = current(patch.Key)?.syncCount ?? 0;
        if (patch.SyncCount !== serverCount) {
          throw Errors.resourceConflict(
            `Current SyncCount for: ${patch.Key} is: ${serverCount} not: ${patch.SyncCount}`,
          );
        }
      }

      const now = this.clock.now();
      const newSyncCount = (head?.syncCount ?? 0) + 1;
      let numRecords = live?.numRecords ?? 0;
      let dataStorage = live?.dataStorage ?? 0;
      const writes: StoredRecord[] = patches.map((patch) => {
        const before = current(patch.Key);
        const value = patch.Op === 'replace' ? (patch.Value ?? '') : undefined;
        numRecords += (value !== undefined ? 1 : 0) - (before?.live ? 1 : 0);
        dataStorage += (value !== undefined ? utf8Length(patch.Key) + utf8Length(value) : 0) - (before?.size ?? 0);
        return {
          key: patch.Key,
          ...(value !== undefined ? { value } : {}),
          syncCount: newSyncCount,
          lastModifiedDate: now,
          lastModifiedBy: by,
          ...(patch.DeviceLastModifiedDate ? { deviceLastModifiedDate: patch.DeviceLastModifiedDate.getTime() } : {}),
        };
      });

      if (numRecords > this.limits.recordsPerDataset) {
        throw Errors.limitExceeded(
          `Dataset '${input.DatasetName}' would hold ${numRecords} records; the limit is ${this.limits.recordsPerDataset}.`,
        );
      }
      if (dataStorage > this.limits.bytesPerDataset) {
        throw Errors.limitExceeded(
          `Dataset '${input.DatasetName}' would hold ${dataStorage} bytes; the limit is ${this.limits.bytesPerDataset}.`,
        );
      }
      const creating = live === undefined;
      const datasetLimit = () =>
        Errors.limitExceeded(
          `Identity '${input.IdentityId}' already has ${this.limits.datasetsPerIdentity} datasets, the most it may have.`,
        );
      if (creating && (snapshot.summary?.datasetCount ?? 0) >= this.limits.datasetsPerIdentity) throw datasetLimit();

      const refusal = await this.store.commitUpdate({
        dataset: input,
        expected: head,
        newHead: {
          name: input.DatasetName,
          syncCount: newSyncCount,
          deleted: false,
          floor,
          deletedAtSyncCount: head?.deletedAtSyncCount ?? 0,
          creationDate: live?.creationDate ?? now,
          lastModifiedDate: now,
          lastModifiedBy: by,
          numRecords,
          dataStorage,
        },
        writes,
        previous: new Map(keys.flatMap((key) => {
          const version = snapshot.records.get(key);
          return version ? [[key, version] as const] : [];
        })),
        identityDelta: {
          datasetCount: creating ? 1 : 0,
          dataStorage: dataStorage - (live?.dataStorage ?? 0),
          lastModifiedDate: now,
        },
        maxDatasets: this.limits.datasetsPerIdentity,
      });
      if (refusal === undefined) return { Records: writes.map(toRecord) };
      if (refusal === 'dataset-limit') throw datasetLimit();
      // Another write moved the dataset between our read and our commit: read again, check again.
      if (!(await contention.waitTurn())) {
        throw Errors.resourceConflict(
          `Dataset '${input.DatasetName}' is being modified by other requests; synchronize and retry.`,
        );
      }
    }
  }

  async describeIdentityUsage(_principal: Principal, input: IdentityRef): Promise<{ IdentityUsage: IdentityUsage }> {
    const summary = await this.store.getIdentitySummary(input);
    // An identity with no data has zero usage, not a 404:
    // docs/decisions.md#describeidentityusage-of-an-identity-without-data-is-zeros
    return {
      IdentityUsage: {
        IdentityId: input.IdentityId,
        IdentityPoolId: input.IdentityPoolId,
        ...(summary?.lastModifiedDate !== undefined ? { LastModifiedDate: new Date(summary.lastModifiedDate) } : {}),
        DatasetCount: summary?.datasetCount ?? 0,
        DataStorage: summary?.dataStorage ?? 0,
      },
    };
  }
}

/** Jittered exponential backoff between attempts, so that contending writers spread out. */
class Contention {
  private attempts = 0;
  private waited = 0;

  /** Waits before the next attempt; false once the budget is spent. */
  async waitTurn(): Promise<boolean> {
    if (this.waited >= CONTENTION_BUDGET_MS) return false;
    const pause = Math.random() * Math.min(200, 5 * 2 ** ++this.attempts);
    this.waited += pause;
    await sleep(pause);
    return true;
  }
}
