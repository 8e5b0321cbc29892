/**
 * Where the local poller has got to in each shard of the table's stream: the sequence number of the
 * last record it is done with, and which shards it has read to their end. Kept in a file under the
 * data directory when the data persists (written whole, then renamed over the old one, so that a
 * crash leaves the old checkpoint or the new one, never half), in memory otherwise.
 *
 * A checkpoint belongs to one stream: if the table's stream is not the one it was written for (the
 * stream was turned off and on), it is left behind and reading starts at the new stream's beginning.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const CHECKPOINT_FILE = 'feed-checkpoint.json';

export interface ShardPosition {
  /** The last sequence number done with; reading resumes after it. */
  readonly after?: string;
  /** The shard was closed and read to its end. */
  readonly finished?: boolean;
}

export interface Checkpoint {
  position(shardId: string): ShardPosition;
  /** Done with every record up to this one in the shard. */
  advance(shardId: string, sequenceNumber: string): void;
  finish(shardId: string): void;
  /** Forgets the shards the stream no longer has (trimmed after 24 hours). */
  retain(shardIds: ReadonlySet<string>): void;
}

interface Stored {
  readonly streamArn: string;
  readonly shards: Record<string, ShardPosition>;
}

export function openCheckpoint(streamArn: string, dataDir: string | undefined): Checkpoint {
  const file = dataDir ? path.join(dataDir, CHECKPOINT_FILE) : undefined;
  let shards: Record<string, ShardPosition> = {};
  if (file && existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
    if (stored.streamArn === streamArn) shards = { ...stored.shards };
  }
  const save = () => {
    if (!file) return;
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ streamArn, shards } satisfies Stored), { mode: 0o600 });
    renameSync(temporary, file);
  };
  return {
    position: (shardId) => shards[shardId] ?? {},
    advance: (shardId, sequenceNumber) => {
      shards[shardId] = { ...shards[shardId], after: sequenceNumber };
      save();
    },
    finish: (shardId) => {
      shards[shardId] = { ...shards[shardId], finished: true };
      save();
    },
    retain: (shardIds) => {
      const kept = Object.fromEntries(Object.entries(shards).filter(([id]) => shardIds.has(id)));
      if (Object.keys(kept).length === Object.keys(shards).length) return;
      shards = kept;
      save();
    },
  };
}
