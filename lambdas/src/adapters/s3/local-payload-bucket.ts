/**
 * Locally the payload bucket lives in moto, whose state may be fresh at any start: the bucket is
 * created on first use (idempotently), instead of asking the local server to provision it.
 * Deployed the stack creates it (lib/stream-payload-bucket.ts) and nothing here runs.
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PayloadStore } from '../../domain/streams/ports';

/** The bucket's name when the configuration names none (local runs only). */
export const LOCAL_PAYLOAD_BUCKET = 'cognito-sync-stream-payloads';

export function creatingBucketFirst(s3: S3Client, bucket: string, store: PayloadStore): PayloadStore {
  let created: Promise<unknown> | undefined;
  return {
    async store(key, body) {
      created ??= s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((e: Error) => {
        if (e.name !== 'BucketAlreadyOwnedByYou' && e.name !== 'BucketAlreadyExists') {
          created = undefined;
          throw e;
        }
      });
      await created;
      return store.store(key, body);
    },
  };
}
