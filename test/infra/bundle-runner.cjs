// Runs one Lambda bundle as the Lambda runtime would, in plain Node (no vitest, no tsx): requires
// the bundle, calls `handler(event, context)` once with the event read from stdin, and prints the
// result as one line `@@RESULT <json>`. Everything else on stdout is the function's own output.
//
//   node test/infra/bundle-runner.cjs <bundle/index.js> < event.json
'use strict';
const { randomUUID } = require('node:crypto');

async function main() {
  const bundle = process.argv[2];
  if (!bundle) throw new Error('usage: bundle-runner.cjs <bundle> < event.json');
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const event = JSON.parse(input);

  const started = process.hrtime.bigint();
  const { handler } = require(bundle);
  const importMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (typeof handler !== 'function') throw new Error(`${bundle} exports no handler`);

  const deadline = Date.now() + 29_000;
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME || 'bundle';
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'bundle-runner',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  const result = await handler(event, context);
  process.stdout.write(`@@RESULT ${JSON.stringify({ result, importMs })}\n`);
}

main().then(
  // The SDK's keep-alive sockets would hold the process open, as Lambda freezes it instead. With
  // X-Ray on, give the UDP datagrams of the trace a moment to leave first.
  () => setTimeout(() => process.exit(0), process.env._X_AMZN_TRACE_ID ? 100 : 0),
  (e) => {
    process.stderr.write(`${e?.stack ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
