/**
 * The deployed BulkPublish launcher: an asynchronous invocation (`InvocationType: Event`) of the
 * worker function, which Lambda queues, retries twice on failure and then hands to the function's
 * failure destination. The same call continues a job in a fresh invocation before a run's deadline.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { BulkPublishLauncher } from '../../domain/pools/bulk-publish-ports';

/** What the worker function is invoked with. */
export interface BulkPublishWorkerEvent {
  readonly identityPoolId: string;
  readonly jobId: string;
}

export class AsyncInvokeLauncher implements BulkPublishLauncher {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  async launch(identityPoolId: string, jobId: string): Promise<void> {
    const event: BulkPublishWorkerEvent = { identityPoolId, jobId };
    await this.lambda.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: JSON.stringify(event) }));
  }
}
