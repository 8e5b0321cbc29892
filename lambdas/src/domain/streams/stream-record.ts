/**
 * The Kinesis record Cognito Streams writes for one committed sync (or, from BulkPublish, for one
 * dataset as it stands), in the documented format (README "Cognito Streams"):
 * dates in epoch milliseconds, both `dataSetName` (the documentation's spelling) and `datasetName`
 * (the spelling AWS's own sample consumer binds, case-sensitively), and the records inline or, when
 * the whole would not fit in a record, behind a presigned S3 URL.
 */
import type { CommittedRecord } from '../feed/committed-sync';

export type StreamOperation = 'replace' | 'remove';

/** One record of the dataset as it was written: also the element of the S3 payload's JSON array. */
export interface KinesisSyncRecord {
  readonly key: string;
  /** Absent on a removed record. */
  readonly value?: string;
  readonly syncCount: number;
  readonly lastModifiedDate: number;
  readonly deviceLastModifiedDate: number;
  readonly op: StreamOperation;
}

interface StreamRecordHead {
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly dataSetName: string;
  readonly datasetName: string;
  readonly operation: StreamOperation;
  readonly syncCount: number;
  readonly lastModifiedDate: number;
}

export type StreamRecord =
  | (StreamRecordHead & { readonly payloadType: 'Inline'; readonly kinesisSyncRecords: readonly KinesisSyncRecord[] })
  | (StreamRecordHead & { readonly payloadType: 'S3Url'; readonly kinesisSyncRecordsURL: string })
  /** A deletion: Cognito's sample consumer notes that some records carry neither records nor URL. */
  | StreamRecordHead;

/** What one stream record says, before its records are placed inline or in S3. */
export interface StreamChange {
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly datasetName: string;
  readonly operation: StreamOperation;
  readonly syncCount: number;
  readonly lastModifiedDate: number;
  /** Empty for a deletion. */
  readonly records: readonly KinesisSyncRecord[];
}

/**
 * Cognito's documented bound for an inline record: "updates over the Kinesis maximum payload size
 * of 50 KB" go to S3. Kinesis now takes 1 MiB, but consumers written for Cognito were told 50 KB,
 * and a smaller record keeps a PutRecords batch of 500 under its 5 MiB.
 */
export const MAX_INLINE_RECORD_BYTES = 50 * 1024;

export const syncRecordOf = (record: CommittedRecord): KinesisSyncRecord => ({
  key: record.key,
  ...(record.value !== undefined && { value: record.value }),
  syncCount: record.syncCount,
  lastModifiedDate: record.lastModifiedDate,
  deviceLastModifiedDate: record.deviceLastModifiedDate,
  op: record.value === undefined ? 'remove' : 'replace',
});

const headOf = (change: StreamChange): StreamRecordHead => ({
  identityPoolId: change.identityPoolId,
  identityId: change.identityId,
  dataSetName: change.datasetName,
  datasetName: change.datasetName,
  operation: change.operation,
  syncCount: change.syncCount,
  lastModifiedDate: change.lastModifiedDate,
});

/** The record with its records inline; a deletion carries none, and so no payload type. */
export function inlineRecord(change: StreamChange): StreamRecord {
  if (change.operation === 'remove' && change.records.length === 0) return headOf(change);
  return { ...headOf(change), payloadType: 'Inline', kinesisSyncRecords: change.records };
}

export const s3UrlRecord = (change: StreamChange, url: string): StreamRecord => ({ ...headOf(change), payloadType: 'S3Url', kinesisSyncRecordsURL: url });

export const encodeRecord = (record: StreamRecord | readonly KinesisSyncRecord[]): Uint8Array => Buffer.from(JSON.stringify(record), 'utf8');
