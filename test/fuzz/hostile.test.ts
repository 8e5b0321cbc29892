/**
 * A small seeded run of the hostile request generator (`npm run fuzz` runs thousands): every
 * route of the operation table and the Cognito Identity subset, signed by the developer, by an
 * identity on its own and on a victim's data, unsigned and badly signed, with mutated methods,
 * paths, queries, headers, framing and bodies. Whatever it is sent, the endpoint answers (no 5xx
 * but the 501 of unavailable operations, no dropped or hanging connection), the victims' data is
 * exactly as before, and the endpoint still shuts down cleanly afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalEndpoint, type LocalEndpoint } from '../../lambdas/local/local-endpoint';
import { dynamoEndpoint } from '../helpers/dynamodb-local';
import { formatReport, runCampaign } from './campaign';
import { closeWithin } from './shutdown';

const SEED = 20140630;
const REQUESTS = 400;
const REGION = 'us-east-1';
const developer = { accessKeyId: `AKIAFUZZ${randomBytes(6).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(24).toString('base64') };

let endpoint: LocalEndpoint | undefined;

beforeAll(async () => {
  endpoint = await startLocalEndpoint({
    port: 0,
    inMemory: true,
    region: REGION,
    dynamoEndpoint: dynamoEndpoint(),
    tableName: `fuzz-${randomUUID()}`,
    developer,
  });
});

afterAll(async () => {
  // Normally closed by the test; this only covers a test that threw before it.
  if (endpoint) await closeWithin(endpoint, 5_000);
});

it(`${REQUESTS} hostile requests (seed ${SEED}): no 5xx but 501, no dropped connection, victims unchanged, clean shutdown`, async () => {
  const running = endpoint as LocalEndpoint;
  const report = await runCampaign({
    url: running.url,
    region: REGION,
    developer,
    dynamoEndpoint: running.dynamoEndpoint,
    tableName: running.tableName,
    seed: SEED,
    requests: REQUESTS,
    maxSeconds: 120,
    concurrency: 4,
    timeoutMs: 20_000,
  });
  const summary = formatReport(report, { show: 3 });
  expect(report.sent, summary).toBe(REQUESTS);
  expect(
    report.failures.map((f) => `${f.kind} ${f.request.description}`),
    summary,
  ).toEqual([]);
  expect(report.victimChanges, summary).toEqual([]);
  endpoint = undefined;
  expect(await closeWithin(running), `the endpoint did not close: a connection was left open\n${summary}`).toBe(true);
}, 120_000);
