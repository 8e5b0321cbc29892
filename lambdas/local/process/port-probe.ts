/**
 * Fails fast when the endpoint's port is taken, before DynamoDB Local costs seconds to start.
 * startLocalServer checks again when it listens: the port may be taken in between.
 */
import { createServer } from 'node:net';
import { LocalRuntimeError } from './errors';

/** `portHint` says how to choose another port, in the words this one was chosen with. */
export function ensurePortFree(port: number, host: string, portHint: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new LocalRuntimeError(`Port ${port} is already in use: ${portHint} or stop the other process.`)
          : new LocalRuntimeError(`Cannot listen on ${host}:${port}: ${e.message}`),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
