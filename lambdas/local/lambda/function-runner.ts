/**
 * Runs one invocation of a local function in a worker thread (worker.mjs), with a Lambda-like
 * context and a time limit, and answers as Lambda's Invoke does: the payload, or the error payload
 * with the kind of failure that `X-Amz-Function-Error` carries (`Unhandled`).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LocalFunction } from './function-registry';

/** A function's time limit: the most a sync trigger may take (Cognito Sync's 5 s). */
export const LOCAL_FUNCTION_TIMEOUT_MS = 5_000;
/** Loading the module may take this long, as Lambda's init phase has its own limit. */
export const LOCAL_FUNCTION_INIT_TIMEOUT_MS = 10_000;

export interface Invocation {
  /** The function's JSON answer, or Lambda's error payload. */
  readonly payload: string;
  /** Set when the function failed: `Unhandled`, as Lambda says for an uncaught error or a timeout. */
  readonly functionError?: 'Unhandled';
  readonly requestId: string;
}

/** Where worker.mjs is: beside this file, whether it runs from source or from a build of the repo. */
const WORKER_FILE = path.join(__dirname, 'worker.mjs');

type WorkerMessage = { started: true } | { payload: string } | { error: { errorType: string; errorMessage: string; stackTrace: string[] } };

export function invokeLocalFunction(fn: LocalFunction, event: unknown, timeoutMs = LOCAL_FUNCTION_TIMEOUT_MS): Promise<Invocation> {
  const requestId = randomUUID();
  const context = {
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '128',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `local/${requestId}`,
  };
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_FILE, { workerData: { file: fn.file, exportName: fn.exportName, event, context, timeoutMs } });
    let settled = false;
    const finish = (invocation: Omit<Invocation, 'requestId'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve({ ...invocation, requestId });
    };
    const fail = (errorType: string, errorMessage: string) =>
      finish({ payload: JSON.stringify({ errorType, errorMessage, stackTrace: [] }), functionError: 'Unhandled' });
    const timedOut = (seconds: number) => () =>
      fail('Sandbox.Timedout', `${new Date().toISOString()} ${requestId} Task timed out after ${seconds.toFixed(2)} seconds`);
    let timer = setTimeout(timedOut(LOCAL_FUNCTION_INIT_TIMEOUT_MS / 1000), LOCAL_FUNCTION_INIT_TIMEOUT_MS);
    worker.on('message', (message: WorkerMessage) => {
      if ('started' in message) {
        clearTimeout(timer);
        timer = setTimeout(timedOut(timeoutMs / 1000), timeoutMs);
      } else if ('payload' in message) {
        finish({ payload: message.payload });
      } else {
        finish({ payload: JSON.stringify(message.error), functionError: 'Unhandled' });
      }
    });
    worker.on('error', (e) => fail('Runtime.ExitError', e.message));
    worker.on('exit', (code) => fail('Runtime.ExitError', `RequestId: ${requestId} Error: Runtime exited with error: exit status ${code}`));
  });
}
