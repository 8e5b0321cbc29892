/**
 * The local failure queue: stream records the feed could not deliver after its retries, one JSON
 * line each, appended to `feed-failures.jsonl` under the data directory (the deployed feed's SQS
 * on-failure destination, locally). Each line holds the stream record itself, so it can be replayed:
 * move the file to `feed-replay.jsonl` and start the server again (README "After a write").
 */
import { appendFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import type { CommittedSync } from '../../src/domain/feed/committed-sync';

export const FAILURE_QUEUE_FILE = 'feed-failures.jsonl';
export const REPLAY_FILE = 'feed-replay.jsonl';

export interface FailedDelivery {
  readonly failedAt: string;
  readonly attempts: number;
  /** The consumer that threw; absent when the record could not be decoded. */
  readonly consumer?: string;
  readonly error: string;
  readonly event?: CommittedSync;
  readonly record: DynamoDBRecord;
}

/** Appends one entry; without a data directory there is no file, and the caller's log line is all. */
export function enqueueFailure(dataDir: string | undefined, failure: FailedDelivery): string | undefined {
  if (!dataDir) return undefined;
  const file = path.join(dataDir, FAILURE_QUEUE_FILE);
  appendFileSync(file, `${JSON.stringify(failure)}\n`, { mode: 0o600 });
  return file;
}

/**
 * The records of the replay file, and how to set the file aside once they are replayed (renamed with
 * the time, not removed). A crash before that replays them again: at least once, as ever.
 */
export function readReplay(dataDir: string | undefined): { records: DynamoDBRecord[]; setAside: () => void } | undefined {
  if (!dataDir) return undefined;
  const file = path.join(dataDir, REPLAY_FILE);
  if (!existsSync(file)) return undefined;
  const records = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as FailedDelivery).record);
  return { records, setAside: () => renameSync(file, `${file}.replayed-${Date.now()}`) };
}
