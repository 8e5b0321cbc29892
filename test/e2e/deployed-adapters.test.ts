/**
 * The adapters only the deployed functions use, which build their AWS clients with no endpoint of
 * their own (Lambda's and Cognito Identity's regional ones): pointed at the local endpoint with the
 * SDK's standard `AWS_ENDPOINT_URL_<SERVICE>` variables, they run against the local Cognito Identity
 * and the local function runner, so the deployed code paths are exercised as they are, not through
 * a fake.
 *
 * - ListIdentityPoolUsage's pool listing (Cognito Identity ListIdentityPools, paged);
 * - the sync trigger's invoker, loaded lazily into UpdateRecords (RequestResponse);
 * - BulkPublish's launcher of its worker (an asynchronous `Event` invocation).
 */
import { readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cognitoIdentityPoolLister } from '../../lambdas/src/adapters/cognito-identity/identity-pool-lister';
import { AsyncInvokeLauncher } from '../../lambdas/src/adapters/lambda/async-invoke-launcher';
import { lazyLambdaTriggerInvoker } from '../../lambdas/src/adapters/lambda/lazy-invoker';
import { ACCOUNT_ID, type Endpoint, REGION, startEndpoint } from '../helpers/local-endpoint';

const ECHO = path.join(__dirname, '..', 'fixtures', 'sync-triggers', 'echo-event.mjs');
const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;

let endpoint: Endpoint;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  endpoint = await startEndpoint({ functions: [{ name: 'echo', file: ECHO }] });
  dir = mkdtempSync(path.join(tmpdir(), 'deployed-adapters-'));
  // What a deployed function has from its role and Lambda's environment, here aimed at the local endpoint.
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: endpoint.developerCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: endpoint.developerCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY: endpoint.url,
    AWS_ENDPOINT_URL_LAMBDA: endpoint.url,
    SYNC_TRIGGER_EVENT_FILE: path.join(dir, 'event.json'),
  });
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await endpoint?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('deployed adapters against the local endpoint', () => {
  it("lists the account's identity pools a page at a time (ListIdentityPoolUsage's deployed listing)", async () => {
    const created = [
      await endpoint.createIdentityPool('lister a'),
      await endpoint.createIdentityPool('lister b'),
      await endpoint.createIdentityPool('lister c'),
    ];
    const lister = cognitoIdentityPoolLister(REGION);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await lister.list(2, cursor);
      expect(page.identityPoolIds.length).toBeLessThanOrEqual(2);
      seen.push(...page.identityPoolIds);
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(created));
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  it("invokes a sync trigger through Lambda's Invoke API and returns its answer (loaded on first use)", async () => {
    const invoker = lazyLambdaTriggerInvoker(REGION);
    const event = { version: 2, eventType: 'SyncTrigger', datasetRecords: { k: { oldValue: null, newValue: 'v', op: 'replace' } } };
    const answer = await invoker.invoke(functionArn('echo'), JSON.stringify(event));
    expect(JSON.parse(answer)).toEqual(event);
    const seen = JSON.parse(readFileSync(process.env.SYNC_TRIGGER_EVENT_FILE as string, 'utf8'));
    expect(seen).toMatchObject({ event, functionName: 'echo', arn: functionArn('echo') });
  });

  it("launches BulkPublish's worker with an asynchronous invocation carrying the pool and job", async () => {
    rmSync(process.env.SYNC_TRIGGER_EVENT_FILE as string, { force: true });
    await new AsyncInvokeLauncher(REGION, 'echo').launch('us-east-1:00000000-0000-4000-8000-00000000b01c', 'job-1');
    // An Event invocation is answered before the function runs: wait for the function's own record.
    let seen: { event?: unknown } | undefined;
    for (let i = 0; i < 100 && !seen; i++) {
      try {
        seen = JSON.parse(readFileSync(process.env.SYNC_TRIGGER_EVENT_FILE as string, 'utf8'));
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(seen?.event).toEqual({ identityPoolId: 'us-east-1:00000000-0000-4000-8000-00000000b01c', jobId: 'job-1' });
  });
});
