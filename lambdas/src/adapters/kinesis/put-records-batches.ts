/**
 * How entries waiting for a stream are cut into PutRecords calls: at most 500 entries and 5 MiB per
 * call (Kinesis's limits), and at most ONE entry per partition key per call. PutRecords does not
 * keep the order of the entries of one call when some fail and are retried, so the next entry of a
 * partition key waits for the call that carries the one before it: per-key order is kept whatever
 * fails, and a burst across many identities still goes out 500 at a time.
 */
import type { StreamEntry } from '../../domain/streams/ports';

export const MAX_ENTRIES_PER_CALL = 500;
/** 5 MiB, counting each entry's data and partition key as Kinesis does. */
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;

const sizeOf = (entry: StreamEntry): number => entry.data.byteLength + Buffer.byteLength(entry.partitionKey, 'utf8');

/** The entries of the next call, taken from the front of `waiting` (which keeps every entry's order). */
export function nextBatch(waiting: readonly StreamEntry[]): StreamEntry[] {
  const batch: StreamEntry[] = [];
  const keysInBatch = new Set<string>();
  const keysHeldBack = new Set<string>();
  let bytes = 0;
  for (const entry of waiting) {
    if (batch.length === MAX_ENTRIES_PER_CALL) break;
    // An entry behind one of its key that is in this call, or held back, waits its turn.
    if (keysInBatch.has(entry.partitionKey) || keysHeldBack.has(entry.partitionKey)) continue;
    const size = sizeOf(entry);
    if (batch.length > 0 && bytes + size > MAX_BYTES_PER_CALL) {
      keysHeldBack.add(entry.partitionKey);
      continue;
    }
    batch.push(entry);
    keysInBatch.add(entry.partitionKey);
    bytes += size;
  }
  return batch;
}
