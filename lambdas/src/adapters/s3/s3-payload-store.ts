/**
 * Payloads too large for a Kinesis record, kept in the stack's bucket (private, encrypted, expired by
 * a lifecycle rule: lib/stream-payload-bucket.ts) and handed out as presigned GET URLs, as Cognito
 * Streams did. The URL is signed with this function's own credentials, so the developer's consumer
 * needs no access to the bucket; locally the bucket is moto's, behind the edge port.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { PayloadStore } from '../../domain/streams/ports';

/**
 * How long a URL works: past Kinesis's default 24 h retention a record is gone anyway. A URL signed
 * with temporary credentials stops working when they expire, which may be sooner.
 */
export const PAYLOAD_URL_TTL_SECONDS = 24 * 3600;

export class S3PayloadStore implements PayloadStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async store(key: string, body: Uint8Array): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }));
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: PAYLOAD_URL_TTL_SECONDS });
  }
}
