/**
 * A single-item head's records, compressed (docs/decisions.md#a-single-item-heads-records-are-compressed-when-that-makes-the-item-smaller).
 * The records' JSON (items.ts `encodeHeadRecords`) is stored either as it is, in the string attribute
 * `r`, or deflated (raw DEFLATE, node:zlib) in the binary attribute `rz`, whichever makes the item
 * smaller: DynamoDB bills writes per KB and storage per byte of the item as stored, and app state
 * (JSON keys and values, repeated field names) deflates to about 40% of its size. Heads written
 * before compression existed hold `r`, and are read as they are.
 *
 * Raw DEFLATE rather than brotli: on 2-16 KB of app state brotli's default quality saves 2-10% more
 * bytes but takes 20-50 times the CPU, which Lambda bills; its fast qualities save nothing over DEFLATE.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** The head attribute holding a single-item dataset's records deflated: present instead of `r`. */
export const COMPRESSED_RECORDS_ATTRIBUTE = 'rz';

/** The attribute a head stores its records' JSON in, and its value. */
export type RecordsAttribute =
  | { readonly name: 'r'; readonly value: string }
  | { readonly name: typeof COMPRESSED_RECORDS_ATTRIBUTE; readonly value: Uint8Array };

/**
 * The smaller way to store `json` (attribute name and value, as DynamoDB sizes them): deflated when
 * that saves bytes, else as it is (small or incompressible records).
 */
export function recordsAttribute(json: string): RecordsAttribute {
  const plainBytes = 'r'.length + Buffer.byteLength(json, 'utf8');
  const deflated = deflateRawSync(json);
  return COMPRESSED_RECORDS_ATTRIBUTE.length + deflated.length < plainBytes
    ? { name: COMPRESSED_RECORDS_ATTRIBUTE, value: new Uint8Array(deflated.buffer, deflated.byteOffset, deflated.length) }
    : { name: 'r', value: json };
}

/**
 * The records' JSON from an `rz` value, as the document client reads it (bytes), as a stream image
 * carries it through Lambda's JSON event (base64) or as a raw attribute value (`{ B }`).
 */
export function inflateRecords(value: unknown): string | undefined {
  const bytes =
    value instanceof Uint8Array
      ? value
      : typeof value === 'string'
        ? Buffer.from(value, 'base64')
        : value !== null && typeof value === 'object' && 'B' in value
          ? (value as { B: Uint8Array | string }).B
          : undefined;
  if (bytes === undefined) return undefined;
  return inflateRawSync(typeof bytes === 'string' ? Buffer.from(bytes, 'base64') : bytes).toString('utf8');
}
