/**
 * The BulkPublish launcher of a process without a worker function (the local endpoint, tests): the
 * worker runs in this process, in the background, with no deadline, and a failed run is retried
 * from its checkpoint a few times, as Lambda retries an asynchronous invocation.
 */
import { sleep } from '../../common/sleep';
import type { BulkPublishLauncher } from './bulk-publish-ports';
import type { BulkPublishWorker } from './bulk-publish-worker';

/** Runs after the first, as Lambda's asynchronous invocations are retried twice. */
export const IN_PROCESS_RETRIES = 2;
const RETRY_PAUSE_MS = 1_000;

export class InProcessBulkPublishLauncher implements BulkPublishLauncher {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly worker: () => Promise<BulkPublishWorker>,
    private readonly onError: (error: unknown) => void = (e) => console.error('bulk publish worker failed:', e),
  ) {}

  async launch(identityPoolId: string, jobId: string): Promise<void> {
    const run = this.runToEnd(identityPoolId, jobId).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Resolves when every worker launched so far has ended (tests, and the server when it stops). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private async runToEnd(identityPoolId: string, jobId: string): Promise<void> {
    const worker = await this.worker();
    for (let attempt = 0; attempt <= IN_PROCESS_RETRIES; attempt++) {
      try {
        // No deadline in-process: a run ends with the job.
        await worker.run(identityPoolId, jobId, { remainingMs: () => Number.POSITIVE_INFINITY });
        return;
      } catch (e) {
        this.onError(e);
        if (attempt < IN_PROCESS_RETRIES) await sleep(RETRY_PAUSE_MS);
      }
    }
  }
}
