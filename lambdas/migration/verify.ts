/**
 * `--verify`: reads two sides (the source endpoint and the target table, or an export file and
 * either) and compares every pool configuration, dataset and record field by field.
 *
 * The comparison itself (`compareSnapshots`, `comparePoolConfigurations`) is pure, so that what
 * counts as a difference is tested on its own (test/unit/migration-verify.test.ts).
 */
import { writeFile } from 'node:fs/promises';
import { eachConcurrently } from './each-concurrently';
import type { DatasetAddress, DatasetSnapshot, DatasetSource, MigratedRecord, PoolConfiguration } from './model';

/** One difference. `a` and `b` are each side's value; `null` when that side has none. */
export interface Difference {
  readonly identityPoolId: string;
  readonly identityId?: string;
  readonly datasetName?: string;
  /** The record's key, for a record's difference. */
  readonly key?: string;
  /**
   * What differs: `dataset` or `record` (present on one side only: the other's value is null), or
   * the field's name (`syncCount`, `value`, `pushSync`, ...).
   */
  readonly field: string;
  readonly a: unknown;
  readonly b: unknown;
}

export interface VerifyResult {
  readonly pools: number;
  readonly identities: number;
  readonly datasets: number;
  readonly records: number;
  /** All differences found, however many are listed. */
  readonly differenceCount: number;
  /** Differences per `field`; a record's as `record.<field>`. */
  readonly differencesByField: Readonly<Record<string, number>>;
  /** The first `maxDifferences` differences. */
  readonly differences: readonly Difference[];
}

export interface VerifyOptions {
  /** Identities compared at once (each reads both sides). */
  readonly concurrency?: number;
  /** Differences kept in the result; the count goes on. */
  readonly maxDifferences?: number;
  /** Told after each dataset compared (a progress bar counts them). */
  readonly onDataset?: (address: DatasetAddress, differences: number) => void;
}

const DATASET_FIELDS = ['syncCount', 'creationDate', 'lastModifiedDate', 'lastModifiedBy', 'deletedAtSyncCount'] as const;
const RECORD_FIELDS = ['value', 'syncCount', 'lastModifiedDate', 'lastModifiedBy', 'deviceLastModifiedDate'] as const;
const POOL_FIELDS = ['pushSync', 'cognitoStreams', 'cognitoEvents'] as const;

/** An absent member compares and reports as null: JSON keeps null, it drops undefined. */
const orNull = (value: unknown): unknown => (value === undefined ? null : value);

/** JSON with object keys sorted, so that two wire shapes compare whatever their member order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

const same = (a: unknown, b: unknown): boolean => canonical(orNull(a)) === canonical(orNull(b));

/**
 * The differences between two reads of one dataset; `undefined` is a dataset that does not exist
 * (or was deleted) on that side. Records are matched by key; a tombstone (no value) differs from a
 * live record by its `value`.
 */
export function compareSnapshots(address: DatasetAddress, a: DatasetSnapshot | undefined, b: DatasetSnapshot | undefined): Difference[] {
  const where = { identityPoolId: address.identityPoolId, identityId: address.identityId, datasetName: address.datasetName };
  if (a === undefined && b === undefined) return [];
  if (a === undefined || b === undefined) {
    const summary = (s: DatasetSnapshot | undefined) => (s ? { syncCount: s.syncCount, records: s.records.length } : null);
    return [{ ...where, field: 'dataset', a: summary(a), b: summary(b) }];
  }
  const differences: Difference[] = [];
  for (const field of DATASET_FIELDS) {
    if (!same(a[field], b[field])) differences.push({ ...where, field, a: orNull(a[field]), b: orNull(b[field]) });
  }
  const recordsOfB = new Map(b.records.map((r) => [r.key, r]));
  for (const ra of a.records) {
    const rb = recordsOfB.get(ra.key);
    recordsOfB.delete(ra.key);
    differences.push(...compareRecords(where, ra, rb));
  }
  for (const rb of recordsOfB.values()) differences.push(...compareRecords(where, undefined, rb));
  return differences;
}

function compareRecords(where: Omit<Difference, 'field' | 'a' | 'b'>, a: MigratedRecord | undefined, b: MigratedRecord | undefined): Difference[] {
  if (a === undefined || b === undefined) {
    const summary = (r: MigratedRecord | undefined) => (r ? { syncCount: r.syncCount, tombstone: r.value === undefined } : null);
    const key = (a ?? b)?.key;
    return [{ ...where, key, field: 'record', a: summary(a), b: summary(b) }];
  }
  return RECORD_FIELDS.filter((field) => !same(a[field], b[field])).map((field) => ({ ...where, key: a.key, field, a: orNull(a[field]), b: orNull(b[field]) }));
}

/** The differences between two pools' configurations; `undefined` is a pool that side does not know. */
export function comparePoolConfigurations(identityPoolId: string, a: PoolConfiguration | undefined, b: PoolConfiguration | undefined): Difference[] {
  if (a === undefined && b === undefined) return [];
  if (a === undefined || b === undefined) return [{ identityPoolId, field: 'pool', a: a ? 'present' : null, b: b ? 'present' : null }];
  return POOL_FIELDS.filter((field) => !same(a[field], b[field])).map((field) => ({ identityPoolId, field, a: orNull(a[field]), b: orNull(b[field]) }));
}

/** Every identity either side lists for the pool, each once. */
async function identitiesOfBoth(a: DatasetSource, b: DatasetSource, identityPoolId: string): Promise<string[]> {
  const ids = new Set<string>();
  for await (const id of a.listIdentities(identityPoolId)) ids.add(id);
  for await (const id of b.listIdentities(identityPoolId)) ids.add(id);
  return [...ids];
}

/** Reads both sides of every pool in `pools` and compares them. */
export async function verifyMigration(a: DatasetSource, b: DatasetSource, pools: readonly string[], options: VerifyOptions = {}): Promise<VerifyResult> {
  const maxDifferences = options.maxDifferences ?? 10_000;
  const differences: Difference[] = [];
  const differencesByField: Record<string, number> = {};
  let differenceCount = 0;
  let identities = 0;
  let datasets = 0;
  let records = 0;
  const note = (found: readonly Difference[]) => {
    differenceCount += found.length;
    for (const d of found) {
      // A record's fields are counted apart from the dataset's of the same name (`syncCount`).
      const field = d.key !== undefined && d.field !== 'record' ? `record.${d.field}` : d.field;
      differencesByField[field] = (differencesByField[field] ?? 0) + 1;
      if (differences.length < maxDifferences) differences.push(d);
    }
  };

  for (const identityPoolId of pools) {
    const [configA, configB] = await Promise.all([a.readPoolConfiguration(identityPoolId), b.readPoolConfiguration(identityPoolId)]);
    note(comparePoolConfigurations(identityPoolId, configA, configB));
    const ids = await identitiesOfBoth(a, b, identityPoolId);
    await eachConcurrently(ids, options.concurrency ?? 8, async (identityId) => {
      identities++;
      const [listA, listB] = await Promise.all([a.listDatasets(identityPoolId, identityId), b.listDatasets(identityPoolId, identityId)]);
      const names = new Set([...listA, ...listB].map((d) => d.datasetName));
      for (const datasetName of names) {
        const address = { identityPoolId, identityId, datasetName };
        const [snapshotA, snapshotB] = await Promise.all([a.readDataset(address), b.readDataset(address)]);
        const found = compareSnapshots(address, snapshotA, snapshotB);
        datasets++;
        records += Math.max(snapshotA?.records.length ?? 0, snapshotB?.records.length ?? 0);
        note(found);
        options.onDataset?.(address, found.length);
      }
    });
  }
  return { pools: pools.length, identities, datasets, records, differenceCount, differencesByField, differences };
}

/** The summary the CLI prints; `labels` name the two sides (`source`, `target`). */
export function formatVerifySummary(result: VerifyResult, labels: { a: string; b: string } = { a: 'source', b: 'target' }): string {
  const compared = `${result.pools} pools, ${result.identities} identities, ${result.datasets} datasets, ${result.records} records compared`;
  if (result.differenceCount === 0) return `verify: ${compared}: no differences between ${labels.a} and ${labels.b}`;
  const lines = [`verify: ${compared}: ${result.differenceCount} differences between ${labels.a} (a) and ${labels.b} (b)`];
  for (const [field, count] of Object.entries(result.differencesByField).sort(([, x], [, y]) => y - x)) lines.push(`  ${field}: ${count}`);
  for (const d of result.differences.slice(0, 10)) {
    const place = [d.identityPoolId, d.identityId, d.datasetName, d.key].filter((part) => part !== undefined).join(' / ');
    lines.push(`  ${place}: ${d.field}: a=${JSON.stringify(d.a)} b=${JSON.stringify(d.b)}`);
  }
  if (result.differenceCount > 10) lines.push(`  ... and ${result.differenceCount - 10} more in the report`);
  return lines.join('\n');
}

/** Writes the JSON report: the counts, the labels and the differences listed. */
export async function writeVerifyReport(path: string, result: VerifyResult, labels: { a: string; b: string } = { a: 'source', b: 'target' }): Promise<void> {
  await writeFile(path, `${JSON.stringify({ labels, ...result }, null, 2)}\n`);
}
