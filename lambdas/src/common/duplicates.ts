/**
 * The one duplicate check. Two places refuse an UpdateRecords that patches one key twice: the
 * protocol's validation (so that the error comes after the constraint violations, as Coral orders
 * them) and the domain (which must not trust its callers). Both ask this function, so "the same key"
 * means the same thing in both: exact string equality, no case folding or normalization.
 * It imports nothing, so the domain may use it without depending on the protocol.
 */
export function firstDuplicate(values: Iterable<string>): string | undefined {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) return value;
    seen.add(value);
  }
  return undefined;
}
