/**
 * How the service measures what a record stores: the rule of the dataset and identity limits
 * (docs/behaviour.md#limits), in one place for the domain, the stores and the test doubles.
 */

/** Bytes of a string once encoded as UTF-8, as the service model counts sizes. */
export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * What a record counts toward `DataStorage`: the UTF-8 bytes of its key and value. A tombstone (no
 * value) counts nothing, though its key is still stored, because it holds no data of the user's.
 */
export const recordStorageBytes = (key: string, value: string | undefined): number => (value === undefined ? 0 : utf8Length(key) + utf8Length(value));
