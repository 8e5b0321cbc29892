/**
 * `npm run fuzz`: thousands of hostile requests against a local endpoint this process starts
 * (its own DynamoDB Local, in memory), then a table of answers by (status, x-amzn-ErrorType).
 * Exits 1 on a 5xx other than 501, a dropped or hanging connection, or a change to the victims'
 * data; prints the seed and the first failing requests in full.
 *
 *   npm run fuzz -- [--seed N] [--requests N] [--max-seconds S] [--concurrency C] [--timeout-ms MS] [--only I,J] [--show K]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startLocalEndpoint } from '../../lambdas/local/local-endpoint';
import { formatReport, runCampaign } from './campaign';
import { closeFailure, closeWithin } from './shutdown';

const USAGE = 'usage: npm run fuzz -- [--seed N] [--requests N] [--max-seconds S] [--concurrency C] [--timeout-ms MS] [--only I,J,...] [--show K]';

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer, not '${value}'.\n${USAGE}`);
  return Number(value);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      requests: { type: 'string' },
      'max-seconds': { type: 'string' },
      concurrency: { type: 'string' },
      'timeout-ms': { type: 'string' },
      only: { type: 'string' },
      show: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seed = integer('seed', values.seed, 20140630);
  const only = values.only?.split(',').map((i) => integer('only', i.trim(), 0));
  // A fresh developer key pair: nothing outside this process can sign as the developer.
  const developer = { accessKeyId: `AKIAFUZZ${randomBytes(6).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(24).toString('base64') };
  const region = 'us-east-1';

  const started = Date.now();
  const endpoint = await startLocalEndpoint({ port: 0, inMemory: true, region, tableName: 'cognito-sync-fuzz', developer });
  console.log(`Fuzzing ${endpoint.url} (DynamoDB Local ${endpoint.dynamoEndpoint}, started in ${Date.now() - started} ms), seed ${seed}`);
  let ok = false;
  try {
    const report = await runCampaign({
      url: endpoint.url,
      region,
      developer,
      dynamoEndpoint: endpoint.dynamoEndpoint,
      tableName: endpoint.tableName,
      seed,
      requests: integer('requests', values.requests, 5000),
      maxSeconds: integer('max-seconds', values['max-seconds'], 900),
      concurrency: integer('concurrency', values.concurrency, 4),
      timeoutMs: integer('timeout-ms', values['timeout-ms'], 30_000),
      only,
      onProgress: (done, total) => process.stderr.write(`  ${done}/${total}\n`),
    });
    console.log(formatReport(report, { show: integer('show', values.show, 5) }));
    ok = report.ok;
  } finally {
    if (!(await closeWithin(endpoint))) {
      console.log(closeFailure());
      ok = false;
    }
  }
  console.log(`${ok ? 'PASS' : 'FAIL'} in ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
