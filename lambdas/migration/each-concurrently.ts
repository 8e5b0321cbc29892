/** Bounded parallelism over a (possibly endless, possibly lazy) stream of items. */

/**
 * Runs `work` on every item, at most `concurrency` at a time, pulling items only as workers free
 * up (a listing of millions of identities is never held whole). The first failure stops the
 * pulling; the work already started is awaited, then that failure is thrown.
 */
export async function eachConcurrently<T>(items: AsyncIterable<T> | Iterable<T>, concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : toAsync(items[Symbol.iterator]());
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure) {
      // Async iterators queue concurrent next() calls, so workers never get the same item.
      const next = await iterator.next();
      if (next.done) return;
      try {
        await work(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } catch (error) {
    // The iterator itself failed (a listing call that gave up).
    failure ??= { error };
  }
  if (failure) {
    await iterator.return?.();
    throw failure.error;
  }
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
  return { next: async () => iterator.next() };
}
