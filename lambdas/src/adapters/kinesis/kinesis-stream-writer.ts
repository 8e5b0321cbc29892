/**
 * The StreamWriter over Kinesis PutRecords, with the credentials of the developer's role: batches
 * as put-records-batches.ts cuts them, retries the entries Kinesis refuses (throttled, internal
 * failure) with back-off, and keeps the rest of the call's successes.
 *
 * A stream that does not exist, or a role that cannot be assumed or may not write, is a
 * StreamUnavailableError (the publisher switches streaming off); anything else that lasts longer
 * than the retries is thrown as is, so that the change feed retries the event later.
 */
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { sleep } from '../../common/sleep';
import { type StreamEntry, type StreamTarget, StreamUnavailableError, type StreamWriter } from '../../domain/streams/ports';
import { RoleAssumptionError } from '../aws/role-credentials';
import { nextBatch } from './put-records-batches';

/** Rounds of PutRecords without progress before giving the entries back to the caller. */
export const MAX_ROUNDS_WITHOUT_PROGRESS = 6;
const BASE_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2_000;

/** Kinesis error names that say the stream, not the moment, is the problem. */
const STREAM_GONE = new Set(['ResourceNotFoundException']);
const NOT_ALLOWED = new Set(['AccessDeniedException', 'AccessDenied', 'UnrecognizedClientException', 'KMSAccessDeniedException']);

export interface KinesisStreamWriterSettings {
  /** A Kinesis client signing with the role's credentials (kept per role by the caller). */
  readonly clientFor: (target: StreamTarget) => KinesisClient;
  /** Tests shorten it. */
  readonly backoffMs?: (round: number) => number;
}

export class KinesisStreamWriter implements StreamWriter {
  constructor(private readonly settings: KinesisStreamWriterSettings) {}

  async put(target: StreamTarget, entries: readonly StreamEntry[]): Promise<void> {
    const client = this.settings.clientFor(target);
    let waiting = [...entries];
    let roundsWithoutProgress = 0;
    while (waiting.length > 0) {
      const batch = nextBatch(waiting);
      const accepted = await this.send(client, target, batch);
      if (accepted.size > 0) {
        roundsWithoutProgress = 0;
        waiting = waiting.filter((entry) => !accepted.has(entry));
      }
      if (accepted.size < batch.length) {
        roundsWithoutProgress += 1;
        if (roundsWithoutProgress > MAX_ROUNDS_WITHOUT_PROGRESS) {
          throw new Error(`Kinesis stream ${target.streamName} kept refusing ${waiting.length} record(s)`);
        }
        await sleep(this.settings.backoffMs?.(roundsWithoutProgress) ?? Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** roundsWithoutProgress));
      }
    }
  }

  /** The entries of `batch` Kinesis took; an error of the whole call takes none (or is thrown). */
  private async send(client: KinesisClient, target: StreamTarget, batch: readonly StreamEntry[]): Promise<Set<StreamEntry>> {
    try {
      const out = await client.send(
        new PutRecordsCommand({ StreamName: target.streamName, Records: batch.map((entry) => ({ PartitionKey: entry.partitionKey, Data: entry.data })) }),
      );
      // Taken only with a sequence number: an entry the answer does not account for is sent again.
      return new Set(batch.filter((_, i) => out.Records?.[i]?.SequenceNumber !== undefined && !out.Records?.[i]?.ErrorCode));
    } catch (e) {
      throw unavailableOr(e, target);
    }
  }
}

/** A StreamUnavailableError when the error says the target is gone for good; the error itself otherwise. */
function unavailableOr(e: unknown, target: StreamTarget): unknown {
  if (e instanceof RoleAssumptionError) {
    return e.refused ? new StreamUnavailableError(`The role ${target.roleArn} could not be assumed (${e.code}).`, { cause: e }) : e;
  }
  const name = (e as Error)?.name ?? '';
  if (STREAM_GONE.has(name)) return new StreamUnavailableError(`The Kinesis stream ${target.streamName} was not found.`, { cause: e });
  if (NOT_ALLOWED.has(name))
    return new StreamUnavailableError(`The role ${target.roleArn} may not write to the Kinesis stream ${target.streamName} (${name}).`, { cause: e });
  return e;
}
