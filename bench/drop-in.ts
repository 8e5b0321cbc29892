/**
 * `npm run bench:drop-in`: what drop-in mode adds to an identity's request (README "Drop-in mode"),
 * in time and in dollars at us-east-1 list prices.
 *
 * - warm: the key is in the function instance's cache (drop-in-authenticator.ts): the added work is
 *   the signature check alone, no DynamoDB read, no KMS call. Timed in-process.
 * - cold: the instance has not seen the access key: one consistent GetItem on the key table and one
 *   KMS Decrypt, then the check. Timed against DynamoDB Local and moto's KMS on this machine, which
 *   stand in for AWS's latencies only roughly; the billed units are exact.
 * - the relay: per GetCredentialsForIdentity (about once an hour per active app), one invocation,
 *   one PutItem and one KMS Encrypt on top of forwarding the call.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createDynamoDBLocalClient, startDynamoDBLocal } from '../lambdas/local/emulators/dynamodb-local';
import { startMoto } from '../lambdas/local/emulators/moto';
import { DropInAuthenticator } from '../lambdas/src/drop-in/drop-in-authenticator';
import { dropInKeyOf } from '../lambdas/src/drop-in/drop-in-key';
import { DynamoDBDropInKeyStore } from '../lambdas/src/drop-in/dynamodb-key-store';
import { createKeyTable } from '../lambdas/src/drop-in/key-table-schema';
import { KmsKeyCipher } from '../lambdas/src/drop-in/kms-key-cipher';
import type { SyncHttpEvent } from '../lambdas/src/protocol/http-event';
import { PRICES } from './cost';

/** KMS: $0.03 per 10,000 requests (Encrypt, Decrypt). */
const KMS_PER_MILLION_REQUESTS = 3.0;
/** The identity-callable functions' smallest memory (lib/function-sizes.ts, read class). */
const FUNCTION_GB = 256 / 1024;
const WARM_ITERATIONS = 2_000;
const COLD_ITERATIONS = 50;

const REGION = 'us-east-1';
const POOL = 'us-east-1:11111111-2222-3333-4444-555555555555';
const IDENTITY = 'us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const CREDENTIALS = { accessKeyId: 'ASIABENCHDROPIN00001', secretAccessKey: 'bench-secret-key', sessionToken: 'bench-session-token' };
const PATH = `/identitypools/${encodeURIComponent(POOL)}/identities/${encodeURIComponent(IDENTITY)}/datasets/settings`;
const BODY = JSON.stringify({ SyncSessionToken: 't', RecordPatches: [{ Op: 'replace', Key: 'theme', Value: 'dark', SyncCount: 0 }] });

/** An UpdateRecords request as the v3 client signs it, as API Gateway passes it without an authorizer. */
async function signedEvent(): Promise<SyncHttpEvent> {
  const signer = new SignatureV4({ credentials: CREDENTIALS, region: REGION, service: 'cognito-sync', sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'https:',
      hostname: 'drop-in.example.test',
      path: PATH,
      headers: { host: 'drop-in.example.test', 'content-type': 'application/json' },
      body: BODY,
    }),
  );
  return {
    rawPath: PATH,
    rawQueryString: '',
    headers: signed.headers,
    body: BODY,
    isBase64Encoded: false,
    requestContext: { accountId: '123456789012', requestId: 'bench', http: { method: 'POST', path: PATH } },
  } as unknown as SyncHttpEvent;
}

const key = () =>
  dropInKeyOf(
    {
      accessKeyId: CREDENTIALS.accessKeyId,
      secretKey: CREDENTIALS.secretAccessKey,
      sessionToken: CREDENTIALS.sessionToken,
      expiresAtMs: Date.now() + 3_600_000,
    },
    { identityId: IDENTITY, identityPoolId: POOL },
    REGION,
    Date.now(),
  );

function summary(samplesMs: number[]): { mean: number; p50: number; p99: number } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { mean: sorted.reduce((a, b) => a + b, 0) / sorted.length, p50: sorted[Math.floor(sorted.length / 2)], p99: sorted[Math.floor(sorted.length * 0.99)] };
}

const usd = (n: number) => `$${n.toFixed(n < 0.01 ? 6 : 3)}`;
const ms = (n: number) => `${n.toFixed(3)} ms`;

async function main(): Promise<void> {
  const event = await signedEvent();

  // Warm: the cache holds the key.
  const stored = key();
  const warm = new DropInAuthenticator({ get: async () => stored }, { region: REGION });
  await warm.principalOf(event);
  const warmSamples: number[] = [];
  for (let i = 0; i < WARM_ITERATIONS; i++) {
    const t = process.hrtime.bigint();
    await warm.principalOf(event);
    warmSamples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  if (warm.stats.misses !== 1) throw new Error(`warm path read the store ${warm.stats.misses} times`);

  // Cold: a fresh instance's cache, the key in DynamoDB Local, sealed by moto's KMS.
  const [dynamo, moto] = await Promise.all([startDynamoDBLocal({ inMemory: true }), startMoto()]);
  const dynamodb = createDynamoDBLocalClient(dynamo.endpoint);
  const kms = new KMSClient({ region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' } });
  const coldSamples: number[] = [];
  try {
    await createKeyTable(dynamodb, 'drop-in-bench');
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const store = new DynamoDBDropInKeyStore(dynamodb, 'drop-in-bench', new KmsKeyCipher(kms, KeyMetadata?.KeyId as string));
    await store.put(stored);
    await new DropInAuthenticator(store, { region: REGION }).principalOf(event); // connections up
    for (let i = 0; i < COLD_ITERATIONS; i++) {
      const cold = new DropInAuthenticator(store, { region: REGION });
      const t = process.hrtime.bigint();
      await cold.principalOf(event);
      coldSamples.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    dynamodb.destroy();
    kms.destroy();
    await Promise.all([dynamo.stop(), moto.stop()]);
  }

  const w = summary(warmSamples);
  const c = summary(coldSamples);
  // Verifying is CPU: below 1 vCPU (1,769 MB) it stretches by 1,769 / MB, so it bills the same at any
  // size (lib/function-sizes.ts). A cold lookup mostly waits on DynamoDB and KMS, billed at the size.
  const cpuPerMillion = (cpuMs: number) => (cpuMs / 1000) * (1769 / 1024) * PRICES.perLambdaGBSecond * 1e6;
  const computePerMillion = (waitMs: number) => (waitMs / 1000) * FUNCTION_GB * PRICES.perLambdaGBSecond * 1e6;
  const coldUnitsPerMillion = 1 * PRICES.perMillionReadUnits + KMS_PER_MILLION_REQUESTS;
  const relayPerMillion =
    PRICES.perMillionHttpRequests + PRICES.perMillionLambdaRequests + PRICES.perMillionWriteUnits + 0.5 * PRICES.perMillionReadUnits + KMS_PER_MILLION_REQUESTS;

  console.log('Drop-in mode: added latency and cost per identity request (us-east-1 list prices)\n');
  console.log(
    `  warm (key cached in the instance): ${ms(w.mean)} mean, ${ms(w.p50)} p50, ${ms(w.p99)} p99 over ${WARM_ITERATIONS}; no DynamoDB read, no KMS call`,
  );
  console.log(`    cost: compute only, ${usd(cpuPerMillion(w.mean))} per million requests (CPU time, at any memory size)`);
  console.log(
    `  cold (first request of a key in an instance): ${ms(c.mean)} mean, ${ms(c.p50)} p50, ${ms(c.p99)} p99 over ${COLD_ITERATIONS} (DynamoDB Local + moto KMS)`,
  );
  console.log(
    `    cost: 1 RRU (consistent GetItem) + 1 KMS Decrypt = ${usd(coldUnitsPerMillion)} per million cold lookups, + ${usd(computePerMillion(c.mean))} compute at ${FUNCTION_GB * 1024} MB`,
  );
  console.log(
    `  relay, per GetCredentialsForIdentity: HTTP API + invocation + 1 WRU + 0.5 RRU + 1 KMS Encrypt = ${usd(relayPerMillion)} per million, + forwarding time`,
  );
  console.log('  (a cold lookup happens once per access key per function instance: credentials last an hour, instances far longer)');
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
