/**
 * The export file: JSON Lines, one JSON object a line, UTF-8.
 *
 *   {"format":"open-cognito-sync-export","version":1,"exportedAt":"2026-11-29T23:00:00.000Z"}
 *   {"type":"pool","identityPoolId":"...","pushSync":{...},"cognitoStreams":{...},"cognitoEvents":{...}}
 *   {"type":"dataset","identityPoolId":"...","identityId":"...","datasetName":"...","syncCount":7,...,"records":[...]}
 *   {"type":"end","pools":1,"datasets":1}
 *
 * Pool and dataset lines are model.ts's `PoolConfiguration` and `DatasetSnapshot` as they are
 * (times in epoch milliseconds), so a dataset read back equals the one exported. A dataset is one
 * line, so the file is written and read one dataset at a time. The last line counts what came
 * before it: a file cut short (a full disk, a killed export, a partial copy) is an error, never a
 * smaller backup.
 *
 * Parsing is strict: every member is checked, and an error names the file and the line.
 */
import type { DatasetSnapshot, MigratedRecord, PoolConfiguration } from '../model';

export const EXPORT_FORMAT = 'open-cognito-sync-export';
export const EXPORT_VERSION = 1;

export interface ExportHeader {
  readonly format: typeof EXPORT_FORMAT;
  readonly version: typeof EXPORT_VERSION;
  /** ISO 8601. */
  readonly exportedAt: string;
}

export interface ExportTrailer {
  readonly type: 'end';
  readonly pools: number;
  readonly datasets: number;
}

export type ExportEntry = { readonly type: 'pool'; readonly pool: PoolConfiguration } | { readonly type: 'dataset'; readonly dataset: DatasetSnapshot };

/** A file that is not a valid export, with where. */
export class ExportFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'ExportFileError';
  }
}

export const headerLine = (exportedAt: Date): string =>
  JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: exportedAt.toISOString() } satisfies ExportHeader);
export const poolLine = (pool: PoolConfiguration): string => JSON.stringify({ type: 'pool', ...pool });
export const datasetLine = (dataset: DatasetSnapshot): string => JSON.stringify({ type: 'dataset', ...dataset });
export const trailerLine = (pools: number, datasets: number): string => JSON.stringify({ type: 'end', pools, datasets } satisfies ExportTrailer);

/** Why a member is not valid; thrown inside this module, turned into an ExportFileError with the line. */
class Invalid extends Error {}

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Invalid(`${what} is not a JSON object`);
  return value as Json;
}

function string(o: Json, name: string, what: string, { optional = false, nonEmpty = true } = {}): string | undefined {
  const v = o[name];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') throw new Invalid(`${what}: "${name}" must be a string`);
  if (nonEmpty && v === '') throw new Invalid(`${what}: "${name}" must not be empty`);
  return v;
}

function count(o: Json, name: string, what: string, { optional = false } = {}): number | undefined {
  const v = o[name];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Invalid(`${what}: "${name}" must be a whole number, 0 or more`);
  return v;
}

/** Epoch milliseconds: a whole number (a device's clock may say before 1970). */
function time(o: Json, name: string, what: string, { optional = false } = {}): number | undefined {
  const v = o[name];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Invalid(`${what}: "${name}" must be a time in epoch milliseconds`);
  return v;
}

/** Only the members a shape has: a misspelt one is a damaged or foreign file, not data to drop. */
function onlyMembers(o: Json, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new Invalid(`${what}: unknown member${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`);
}

const RECORD_MEMBERS = ['key', 'value', 'syncCount', 'lastModifiedDate', 'lastModifiedBy', 'deviceLastModifiedDate'];
const DATASET_MEMBERS = [
  'type',
  'identityPoolId',
  'identityId',
  'datasetName',
  'syncCount',
  'creationDate',
  'lastModifiedDate',
  'lastModifiedBy',
  'records',
  'deletedAtSyncCount',
];
const POOL_MEMBERS = ['type', 'identityPoolId', 'pushSync', 'cognitoStreams', 'cognitoEvents'];

function parseRecord(value: unknown, index: number): MigratedRecord {
  const what = `record ${index + 1}`;
  const o = object(value, what);
  onlyMembers(o, RECORD_MEMBERS, what);
  const recordValue = string(o, 'value', what, { optional: true, nonEmpty: false });
  const deviceLastModifiedDate = time(o, 'deviceLastModifiedDate', what, { optional: true });
  return {
    key: string(o, 'key', what) as string,
    ...(recordValue !== undefined ? { value: recordValue } : {}),
    syncCount: count(o, 'syncCount', what) as number,
    lastModifiedDate: time(o, 'lastModifiedDate', what) as number,
    lastModifiedBy: string(o, 'lastModifiedBy', what, { nonEmpty: false }) as string,
    ...(deviceLastModifiedDate !== undefined ? { deviceLastModifiedDate } : {}),
  };
}

function parseDataset(o: Json): DatasetSnapshot {
  const what = 'dataset';
  onlyMembers(o, DATASET_MEMBERS, what);
  if (!Array.isArray(o.records)) throw new Invalid('dataset: "records" must be an array');
  const records = o.records.map(parseRecord);
  const keys = new Set<string>();
  for (const r of records) {
    if (keys.has(r.key)) throw new Invalid(`dataset: record key ${JSON.stringify(r.key)} appears twice`);
    keys.add(r.key);
  }
  const syncCount = count(o, 'syncCount', what) as number;
  const above = records.find((r) => r.syncCount > syncCount);
  if (above) throw new Invalid(`dataset: record ${JSON.stringify(above.key)} has sync count ${above.syncCount}, above the dataset's ${syncCount}`);
  const deletedAtSyncCount = count(o, 'deletedAtSyncCount', what, { optional: true });
  return {
    identityPoolId: string(o, 'identityPoolId', what) as string,
    identityId: string(o, 'identityId', what) as string,
    datasetName: string(o, 'datasetName', what) as string,
    syncCount,
    creationDate: time(o, 'creationDate', what) as number,
    lastModifiedDate: time(o, 'lastModifiedDate', what) as number,
    lastModifiedBy: string(o, 'lastModifiedBy', what, { nonEmpty: false }) as string,
    records,
    ...(deletedAtSyncCount !== undefined ? { deletedAtSyncCount } : {}),
  };
}

function parsePool(o: Json): PoolConfiguration {
  onlyMembers(o, POOL_MEMBERS, 'pool');
  const { type: _type, ...configuration } = o;
  string(o, 'identityPoolId', 'pool');
  if (o.pushSync !== undefined) object(o.pushSync, 'pool: "pushSync"');
  if (o.cognitoStreams !== undefined) object(o.cognitoStreams, 'pool: "cognitoStreams"');
  if (o.cognitoEvents !== undefined) {
    for (const [k, v] of Object.entries(object(o.cognitoEvents, 'pool: "cognitoEvents"'))) {
      if (typeof v !== 'string') throw new Invalid(`pool: "cognitoEvents"."${k}" must be a string`);
    }
  }
  return configuration as unknown as PoolConfiguration;
}

function parseJson(text: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Invalid(`not valid JSON (${(error as Error).message})`);
  }
  return object(value, 'the line');
}

/** Line 1. */
export function parseHeader(file: string, text: string): ExportHeader {
  try {
    const o = parseJson(text);
    if (o.format !== EXPORT_FORMAT) throw new Invalid(`not an open-cognito-sync export (the first line's "format" is not "${EXPORT_FORMAT}")`);
    if (o.version !== EXPORT_VERSION) throw new Invalid(`export version ${JSON.stringify(o.version)} is not supported (this version reads ${EXPORT_VERSION})`);
    const exportedAt = string(o, 'exportedAt', 'header') as string;
    if (Number.isNaN(Date.parse(exportedAt))) throw new Invalid('header: "exportedAt" is not a date');
    return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt };
  } catch (error) {
    throw error instanceof Invalid ? new ExportFileError(file, 1, error.message) : error;
  }
}

/** A line after the header: an entry, or the trailer. */
export function parseLine(file: string, line: number, text: string): ExportEntry | ExportTrailer {
  try {
    const o = parseJson(text);
    switch (o.type) {
      case 'pool':
        return { type: 'pool', pool: parsePool(o) };
      case 'dataset':
        return { type: 'dataset', dataset: parseDataset(o) };
      case 'end':
        onlyMembers(o, ['type', 'pools', 'datasets'], 'end');
        return { type: 'end', pools: count(o, 'pools', 'end') as number, datasets: count(o, 'datasets', 'end') as number };
      default:
        throw new Invalid(`"type" must be "pool", "dataset" or "end", not ${JSON.stringify(o.type)}`);
    }
  } catch (error) {
    throw error instanceof Invalid ? new ExportFileError(file, line, error.message) : error;
  }
}
