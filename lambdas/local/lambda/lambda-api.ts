/**
 * The part of the Lambda API the local function runner answers, behind the edge port (requests
 * signed for `lambda`), so that the same `@aws-sdk/client-lambda` code that invokes a sync trigger
 * on AWS invokes a local one here:
 *
 *   POST   /2015-03-31/functions/{name}/invocations   Invoke (RequestResponse, Event, DryRun)
 *   PUT    /2017-10-31/functions/{name}/concurrency   PutFunctionConcurrency (0 throttles every call)
 *   DELETE /2017-10-31/functions/{name}/concurrency   DeleteFunctionConcurrency
 *   GET    /2019-09-30/functions/{name}/concurrency   GetFunctionConcurrency
 *
 * Errors are answered in Lambda's rest-json shape (`x-amzn-ErrorType`, `{"Type","message"}`), a
 * function's own failure as Lambda does: 200 with `X-Amz-Function-Error: Unhandled`. Signatures are
 * not checked, as for the other emulators behind the edge port: any credentials do.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionRegistry, LocalFunction } from './function-registry';
import { type Invocation, invokeLocalFunction } from './function-runner';

/** Told of each invocation once it has ended (the local console's activity). */
export type InvocationObserver = (fn: LocalFunction, invocation: Invocation) => void;

/** Lambda's own limit on a synchronous request payload. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const CONCURRENCY = /^\/(?:2017-10-31|2019-09-30)\/functions\/([^/]+)\/concurrency\/?$/;

export class LocalLambdaApi {
  /** Reserved concurrency per function name (PutFunctionConcurrency); absent: unreserved. */
  private readonly reserved = new Map<string, number>();
  private readonly running = new Map<string, number>();

  constructor(
    readonly registry: FunctionRegistry,
    private readonly onInvocation?: InvocationObserver,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = await readBody(req);
      if (body === undefined)
        return answerError(res, 413, 'RequestTooLargeException', 'Request must be smaller than 6291456 bytes for the InvokeFunction operation');
      const invoke = INVOKE.exec(url.pathname);
      if (invoke && req.method === 'POST') return await this.invoke(this.require(invoke[1]), req, body, res);
      const concurrency = CONCURRENCY.exec(url.pathname);
      if (concurrency) return this.concurrency(this.require(concurrency[1]), req.method ?? 'GET', body, res);
      answerError(res, 404, 'UnknownOperationException', `The local function runner does not serve ${req.method} ${url.pathname}`);
    } catch (e) {
      if (e instanceof LambdaApiError) return answerError(res, e.status, e.type, e.message);
      answerError(res, 500, 'ServiceException', (e as Error).message);
    }
  }

  private require(encodedName: string): LocalFunction {
    const name = decodeURIComponent(encodedName);
    const fn = this.registry.find(name);
    if (!fn) {
      const arn = name.startsWith('arn:') ? name : this.registry.arnOf(name);
      throw new LambdaApiError(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
    }
    return fn;
  }

  private async invoke(fn: LocalFunction, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) {
      throw new LambdaApiError(400, 'InvalidParameterValueException', `Unsupported invocation type: ${type}`);
    }
    let event: unknown;
    try {
      event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      throw new LambdaApiError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    if (type === 'DryRun') return answer(res, 204, {});
    const running = this.running.get(fn.name) ?? 0;
    const reserved = this.reserved.get(fn.name);
    if (reserved !== undefined && running >= reserved) {
      res.setHeader('Retry-After', '1');
      return answerError(res, 429, 'TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    }
    this.running.set(fn.name, running + 1);
    const run = invokeLocalFunction(fn, event).finally(() => this.running.set(fn.name, (this.running.get(fn.name) ?? 1) - 1));
    void run.then((invocation) => this.onInvocation?.(fn, invocation));
    if (type === 'Event') {
      void run;
      return answer(res, 202, {});
    }
    const outcome = await run;
    answer(
      res,
      200,
      {
        'Content-Type': 'application/json',
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-RequestId': outcome.requestId,
        ...(outcome.functionError ? { 'X-Amz-Function-Error': outcome.functionError } : {}),
      },
      outcome.payload,
    );
  }

  private concurrency(fn: LocalFunction, method: string, body: Buffer, res: ServerResponse): void {
    if (method === 'DELETE') {
      this.reserved.delete(fn.name);
      answer(res, 204, {});
      return;
    }
    if (method === 'PUT') {
      let value: unknown;
      try {
        value = (JSON.parse(body.toString('utf8')) as { ReservedConcurrentExecutions?: unknown }).ReservedConcurrentExecutions;
      } catch {
        value = undefined;
      }
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new LambdaApiError(400, 'InvalidParameterValueException', 'ReservedConcurrentExecutions must be a whole number, 0 or more');
      }
      this.reserved.set(fn.name, value);
      answer(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify({ ReservedConcurrentExecutions: value }));
      return;
    }
    const reserved = this.reserved.get(fn.name);
    answer(res, 200, { 'Content-Type': 'application/json' }, JSON.stringify(reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved }));
  }
}

class LambdaApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function answer(res: ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function answerError(res: ServerResponse, status: number, type: string, message: string, extra: Record<string, string> = {}): void {
  const body = JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', message, ...extra });
  answer(res, status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type }, body);
}

/** The body, or undefined when it is over Lambda's payload limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
