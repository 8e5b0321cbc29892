/**
 * The deployed BulkPublish launcher: an asynchronous invocation (`InvocationType: Event`) of the
 * worker function, which Lambda queues, retries twice on failure and then hands to the function's
 * failure destination. The same call continues a job in a fresh invocation before a run's deadline.
 *
 * The Lambda client is loaded at the first launch, so that a cold start that only refuses a
 * BulkPublish (or the worker's, until it continues) does not pay for it.
 */
import type { BulkPublishLauncher } from '../../domain/pools/bulk-publish-ports';

/** What the worker function is invoked with. */
export interface BulkPublishWorkerEvent {
  readonly identityPoolId: string;
  readonly jobId: string;
}

export class AsyncInvokeLauncher implements BulkPublishLauncher {
  private invoke: Promise<(functionName: string, payload: string) => Promise<void>> | undefined;

  constructor(
    private readonly region: string,
    private readonly functionName: string,
  ) {}

  async launch(identityPoolId: string, jobId: string): Promise<void> {
    // A literal import, so that esbuild still bundles the client into the function, unevaluated until here.
    this.invoke ??= import('./async-invoke').then((adapter) => adapter.asyncInvoker(this.region));
    const event: BulkPublishWorkerEvent = { identityPoolId, jobId };
    await (await this.invoke)(this.functionName, JSON.stringify(event));
  }
}
