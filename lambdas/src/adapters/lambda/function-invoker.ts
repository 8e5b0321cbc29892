/**
 * The sync trigger's invocation over the Lambda Invoke API (`@aws-sdk/client-lambda`):
 * RequestResponse, one attempt, and a 5 s limit on the whole request. Deployed it reaches Lambda;
 * locally the same client reaches the local function runner behind the edge port
 * (lambdas/local/lambda/), only the endpoint differs.
 *
 * What goes wrong is answered in the service model's words:
 * - Lambda throttled the invocation (429 TooManyRequestsException) -> LambdaThrottledException;
 * - no answer within 5 s -> LambdaSocketTimeoutException;
 * - the function failed (`X-Amz-Function-Error`), or Lambda refused to run it (not found, not
 *   allowed, a bad request) -> InvalidLambdaFunctionOutputException.
 * Anything else (Lambda's own 5xx, a network failure) is an outage, answered as one (500).
 */
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Errors } from '../../errors';
import { SYNC_TRIGGER_TIMEOUT_MS, type FunctionInvoker } from '../../domain/records/sync-trigger-step';

export interface TriggerClientOptions {
  readonly region: string;
  /** The local function runner (the edge port); absent: Lambda's own endpoint. */
  readonly endpoint?: string;
  /** Locally any pair does (the runner does not check signatures); deployed: the function's role. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The Lambda client the trigger is invoked with: no retries, since the 5 s are for the whole call. */
export function syncTriggerClient({ region, endpoint, credentials }: TriggerClientOptions): LambdaClient {
  return new LambdaClient({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ requestTimeout: SYNC_TRIGGER_TIMEOUT_MS, throwOnRequestTimeout: true }),
  });
}

/** The statuses of a Lambda error that mean the trigger could not be run as configured. */
const isClientFault = (status: number | undefined): boolean => status !== undefined && status >= 400 && status < 500;

export class LambdaFunctionInvoker implements FunctionInvoker {
  constructor(private readonly client: LambdaClient) {}

  async invoke(functionArn: string, payload: string): Promise<string> {
    let out: InvokeCommandOutput;
    try {
      out = await this.client.send(new InvokeCommand({ FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: Buffer.from(payload, 'utf8') }));
    } catch (e) {
      throw invocationError(e, functionArn);
    }
    const answer = Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');
    if (out.FunctionError) {
      throw Errors.invalidLambdaFunctionOutput(`The sync trigger ${functionArn} failed (${out.FunctionError}): ${errorMessageOf(answer)}`);
    }
    return answer;
  }
}

function invocationError(e: unknown, functionArn: string): unknown {
  const error = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (error.name === 'TimeoutError') {
    return Errors.lambdaSocketTimeout(`The sync trigger ${functionArn} did not answer within ${SYNC_TRIGGER_TIMEOUT_MS / 1000} seconds.`, { cause: e });
  }
  const status = error.$metadata?.httpStatusCode;
  if (error.name === 'TooManyRequestsException' || status === 429) {
    return Errors.lambdaThrottled(`The sync trigger ${functionArn} was throttled; retry the sync.`, { cause: e });
  }
  if (isClientFault(status)) {
    return Errors.invalidLambdaFunctionOutput(`The sync trigger ${functionArn} could not be invoked: ${error.name}: ${error.message}`, { cause: e });
  }
  return e;
}

/** Lambda's error payload is `{"errorMessage": ..., "errorType": ...}`; anything else is shown as it is, cut short. */
function errorMessageOf(payload: string): string {
  try {
    const parsed = JSON.parse(payload) as { errorMessage?: unknown; errorType?: unknown };
    if (typeof parsed.errorMessage === 'string')
      return typeof parsed.errorType === 'string' ? `${parsed.errorType}: ${parsed.errorMessage}` : parsed.errorMessage;
  } catch {
    // Not JSON: shown as it is.
  }
  return payload.slice(0, 256);
}

/** The deployed invoker: Lambda's own endpoint, the function role's credentials (runtime.ts's TriggerInvokerFactory). */
export const lambdaTriggerInvoker = (region: string): FunctionInvoker => new LambdaFunctionInvoker(syncTriggerClient({ region }));
