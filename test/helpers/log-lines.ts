/**
 * The lines the Powertools logger writes. Outside Lambda's dev mode it writes through its own
 * `Console` on `process.stderr` (ERROR, WARN) and `process.stdout`, not through the global `console`,
 * so tests capture the streams.
 */
import { vi } from 'vitest';

export interface CapturedLog {
  /** Every captured line, as written. */
  readonly raw: () => string[];
  /** The captured lines that parse as JSON. */
  readonly lines: () => Record<string, unknown>[];
}

/** Captures (and silences) `process.stderr` until the test's mocks are restored. */
export const captureStderr = (): CapturedLog => capture([process.stderr]);

/** Both streams, in the order written: Powertools Metrics prints its EMF lines on stdout. */
export const captureOutput = (): CapturedLog => capture([process.stdout, process.stderr]);

function capture(streams: readonly NodeJS.WriteStream[]): CapturedLog {
  const written: string[] = [];
  for (const stream of streams) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
  const raw = () => written.join('').split('\n').filter(Boolean);
  return {
    raw,
    lines: () =>
      raw().flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
  };
}
