/**
 * DynamoDB's published sizing and rounding rules, as pure functions: what an item weighs, and how many
 * request units a read or write of that weight is billed. The capacity meter (capacity-meter.ts) applies
 * them to every call; nothing in the runtime depends on this module.
 *
 * Sources (AWS documentation, Amazon DynamoDB Developer Guide):
 * - Item sizes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 *   (name + value; strings UTF-8; numbers ~ 1 byte per two significant digits + 1; binary raw bytes;
 *   null/boolean 1; list/map 3 bytes + elements + 1 byte per element; 100 bytes of storage overhead per item)
 * - Units: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 *   (reads per 4 KB rounded up, half for eventually consistent, double for transactional; writes per 1 KB
 *   rounded up, double for transactional; BatchGetItem rounds each item, Query rounds the sum)
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type AttributeMap = Record<string, AttributeValue>;

export const READ_UNIT_BYTES = 4096;
export const WRITE_UNIT_BYTES = 1024;
/** Storage overhead DynamoDB bills per item, in the table and in each index entry. */
export const STORAGE_OVERHEAD_BYTES = 100;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * A number's size: 1 byte per two significant digits, plus 1. Leading and trailing zeros do not count
 * (nor the sign, the decimal point or an exponent), so 0.000123 is 3 digits and 12300 is 3 digits.
 */
export function numberSize(n: string): number {
  const mantissa = n.trim().replace(/^[-+]/, '').split(/[eE]/)[0];
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}

const binarySize = (b: Uint8Array | string): number => (typeof b === 'string' ? Buffer.from(b, 'base64').length : b.length);

/** The size of a value, without its attribute name. */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return binarySize(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + binarySize(b), 0);
  // Containers: 3 bytes whatever their content, and 1 byte per element.
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + valueSize(element) + 1, 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + utf8(name) + valueSize(element) + 1, 0);
  return 0;
}

/** An attribute's size: its name's UTF-8 bytes and its value's size. */
export const attributeSize = (name: string, value: AttributeValue): number => utf8(name) + valueSize(value);

/** An item's size: the sum of its attributes' sizes (what reads and writes are billed on). */
export const itemSize = (item: AttributeMap): number => Object.entries(item).reduce((sum, [name, value]) => sum + attributeSize(name, value), 0);

export type ReadConsistency = 'eventual' | 'strong' | 'transactional';
const READ_FACTOR: Record<ReadConsistency, number> = { eventual: 0.5, strong: 1, transactional: 2 };

/** Read units for `bytes` read at once: 4 KB steps, at least one step (a miss is billed too). */
export const readUnits = (bytes: number, consistency: ReadConsistency): number => Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * READ_FACTOR[consistency];

/** Write units for one item of `bytes`: 1 KB steps, at least one; a transactional write is billed twice. */
export const writeUnits = (bytes: number, transactional = false): number => Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES)) * (transactional ? 2 : 1);
