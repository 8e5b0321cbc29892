// One invocation of a local function, in a worker thread of its own (function-runner.ts): a fresh
// module graph on every invocation, so that an edited handler file is picked up without a restart,
// and a handler that never returns can be stopped (the worker is terminated) without touching the
// server. Plain JavaScript, so that it runs with or without a TypeScript loader; TypeScript handler
// files are loaded with tsx's API.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

const { file, exportName, event, context: info, timeoutMs } = workerData;

async function loadModule() {
  const url = pathToFileURL(file).href;
  if (/\.[cm]?ts$/.test(file)) {
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(url, import.meta.url);
  }
  return import(url);
}

/** Lambda's error payload. */
const errorPayload = (error) => {
  const e = error instanceof Error ? error : new Error(typeof error === 'string' ? error : JSON.stringify(error));
  return {
    errorType: e.name || 'Error',
    errorMessage: e.message,
    stackTrace: String(e.stack ?? '')
      .split('\n')
      .map((line) => (line.length > 300 ? `${line.slice(0, 300)}...` : line)),
  };
};

/** Runs the handler as the Node.js runtime does: an async handler's promise, or the callback (also context.done/succeed/fail). */
function run(handler, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error !== undefined && error !== null ? reject(error) : resolve(result));
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (error) => callback(error ?? new Error('context.fail'));
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    // A synchronous handler that does not take the callback answers with what it returns.
    else if (handler.length < 3 && returned !== undefined) resolve(returned);
  });
}

try {
  const module = await loadModule();
  const handler = module[exportName] ?? module.default?.[exportName];
  if (typeof handler !== 'function') {
    parentPort.postMessage({
      error: { errorType: 'Runtime.HandlerNotFound', errorMessage: `${file} does not export a function '${exportName}'`, stackTrace: [] },
    });
  } else {
    const deadline = Date.now() + timeoutMs;
    const context = { ...info, callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
    // The function's time starts now, after its module loaded, as Lambda separates init from the invocation.
    parentPort.postMessage({ started: true });
    try {
      const result = await run(handler, context);
      parentPort.postMessage({ payload: JSON.stringify(result === undefined ? null : result) });
    } catch (error) {
      parentPort.postMessage({ error: errorPayload(error) });
    }
  }
} catch (error) {
  const payload = errorPayload(error);
  parentPort.postMessage({ error: { ...payload, errorType: 'Runtime.ImportModuleError' } });
}
