/**
 * SigV4's signing key, kSigning = HMAC chain of the secret over date, region, service and
 * `aws4_request`. It signs requests of that one day, region and service only, which is why the
 * drop-in relay keeps it instead of the secret key (lambdas/src/drop-in/).
 */
import { createHmac } from 'node:crypto';

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** kSigning for `date` (`YYYYMMDD`), `region` and `service`. */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}
