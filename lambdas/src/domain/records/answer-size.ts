/**
 * How much of Lambda's result records take, so that no answer is cut by the limit: ListRecords pages
 * by it and UpdateRecords refuses, before writing, records it could not echo.
 */
import type { StoredRecord } from '../ports';
import { utf8Length } from '../sizes';

/**
 * The most bytes of records one answer may carry, as Lambda counts a function's result: 6 MiB for
 * the whole result (Lambda quotas, synchronous invocation), less room for everything around the
 * records (status, headers, tokens, counts). Over the limit, Lambda fails the invocation and the
 * client gets a 500 from API Gateway, after an UpdateRecords has committed. A valid dataset (1 MB of
 * keys and values) can exceed it, because values are escaped twice on the way out: `\u0001` in the
 * body, `\\u0001` in the result, 7 bytes for a 1-byte character.
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
export function recordsThatFit(records: readonly StoredRecord[]): number {
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    total += answerBytes(records[i].key, records[i].value);
    if (total > MAX_ANSWER_RECORD_BYTES) return Math.max(i, 1);
  }
  return records.length;
}
