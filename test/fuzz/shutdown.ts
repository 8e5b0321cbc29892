/**
 * Closing the endpoint after a campaign, with a bound: a request whose socket the server never
 * releases (found once: CONNECT with a body) makes `close()` wait forever, which is a failure of
 * its own, reported rather than left to hang the run.
 */
export const CLOSE_TIMEOUT_MS = 15_000;

/** True when the endpoint closed in time. */
export async function closeWithin(endpoint: { close(): Promise<void> }, timeoutMs = CLOSE_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([endpoint.close().then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export const closeFailure = (timeoutMs = CLOSE_TIMEOUT_MS): string =>
  `FAIL: the endpoint did not close within ${timeoutMs / 1000} s after the run: a connection was left open ` +
  '(re-run with --only on subsets of the requests to find which one).';
