/**
 * The one case-insensitive header lookup. HTTP header names are case-insensitive; API Gateway's
 * payload 2.0 lower-cases them in events, but results, test doubles and hand-built events need not,
 * so every reader of a header (the request parser, CORS, the metrics of a result, the tests) asks
 * this function rather than trusting one spelling.
 */
export type HeaderMap = Readonly<Record<string, string | undefined>>;

/** The value of header `name` in any spelling; the lower-case and the given keys are tried first. */
export function headerValue(headers: HeaderMap | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  const direct = headers[lower] ?? headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}
