/**
 * The one pause helper (back-off between retries, polling a table or a process). It lives outside
 * domain/, adapters/ and protocol/ and imports nothing, so that every layer, the local runtime, the
 * bench and the tests may use it without depending on each other.
 */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
