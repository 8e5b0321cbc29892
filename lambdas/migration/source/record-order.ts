/** The order a snapshot keeps its records in (model.ts): by sync count, then by key. */
import type { MigratedRecord } from '../model';

export const bySyncCountThenKey = (a: MigratedRecord, b: MigratedRecord): number => a.syncCount - b.syncCount || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
