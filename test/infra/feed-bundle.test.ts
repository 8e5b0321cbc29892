/**
 * The change feed function's bundle, built as the stack builds it (lib/bundling.ts settings), run as
 * Lambda runs it (test/infra/bundle-runner.cjs, plain Node) on stream records read from DynamoDB
 * Local: it starts, decodes, answers batch item failures, and logs its invocation line.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions, LAMBDA_BUNDLING } from '../../lib/bundling';
import { CHANGE_FEED_ENTRY } from '../../lib/change-feed';
import { datasetOf, identityPrincipal, replace, syncFixture } from '../helpers/sync-fixture';
import { readWholeStream } from '../helpers/table-stream';
import { runBundleProcess } from '../helpers/bundle-process';

let outdir: string;
let bundle: string;
let stream: DynamoDBRecord[];
let fixture: Awaited<ReturnType<typeof syncFixture>>;

beforeAll(async () => {
  outdir = await mkdtemp(path.join(tmpdir(), 'feed-bundle-'));
  bundle = path.join(outdir, 'index.js');
  const { build } = await import('esbuild');
  const [result, f] = await Promise.all([build(esbuildOptions(LAMBDA_BUNDLING, CHANGE_FEED_ENTRY, bundle)), syncFixture()]);
  expect(result.errors).toEqual([]);
  fixture = f;
  const identityId = `us-east-1:${randomUUID()}`;
  const dataset = datasetOf(identityId);
  const { SyncSessionToken } = await f.service.listRecords(identityPrincipal(identityId), dataset);
  await f.service.updateRecords(identityPrincipal(identityId), { ...dataset, SyncSessionToken, RecordPatches: [replace('a', '1')] });
  stream = await readWholeStream(f.client, f.endpoint, f.tableName);
}, 120_000);

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

async function runBundle(event: unknown): Promise<{ result: { batchItemFailures: { itemIdentifier: string }[] }; lines: Record<string, unknown>[] }> {
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: 'ChangeFeed',
    SYNC_TABLE_NAME: fixture.tableName,
    DYNAMODB_ENDPOINT: fixture.endpoint,
  };
  const { result, output } = await runBundleProcess<{ batchItemFailures: { itemIdentifier: string }[] }>(bundle, env, event);
  return { result, lines: output };
}

describe('change feed bundle', () => {
  it('passes over the items that are not dataset heads', async () => {
    const others = stream.filter((r) => !r.dynamodb?.Keys?.SK?.S?.startsWith('D#'));
    expect(others.length).toBeGreaterThan(0);
    const { result, lines } = await runBundle({ Records: others });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(lines).toContainEqual(expect.objectContaining({ message: 'request', operation: 'ChangeFeed', status: 200 }));
  });

  it('reports a head record it cannot read, and every record after it', async () => {
    const head = stream.find((r) => r.dynamodb?.Keys?.SK?.S?.startsWith('D#')) as DynamoDBRecord;
    const broken = structuredClone(head);
    delete broken.dynamodb?.NewImage;
    const after = stream.find((r) => r !== head) as DynamoDBRecord;
    const { result, lines } = await runBundle({ Records: [broken, after] });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: broken.dynamodb?.SequenceNumber }, { itemIdentifier: after.dynamodb?.SequenceNumber }]);
    expect(lines).toContainEqual(expect.objectContaining({ message: 'request', operation: 'ChangeFeed', status: 500, errorType: 'ConsumerFailed' }));
  });
});
