/**
 * Hostile values: strings, numbers and JSON fragments that have broken, or could break, a parser,
 * a validator or a store. None of them names a victim: the generator decides where victims' ids go.
 */
import type { Rng } from './prng';

/** Strings for keys, names, tokens and labels, at the boundaries the model sets and beyond them. */
export function hostileString(rng: Rng): string {
  return rng.weighted<() => string>([
    [3, () => ''],
    [1, () => ' '],
    [2, () => 'x'.repeat(rng.pick([1, 54, 55, 56, 127, 128, 129, 1023, 1024, 1025, 4096, 4097]))],
    [1, () => 'y'.repeat(rng.pick([65_536, 300_000]))],
    [4, () => rng.pick(['\ud800', '\udc00', 'k\ud800', 'k\udc00', '\udc00\ud800', 'a\ud83d', '\ud83dz'])], // lone surrogates
    [2, () => rng.pick(['😀', '𝄞key', 'ünïcödé', 'ÿ', '\u00e9', '\u200b', '\u202eevil', '\ufeffbom', '\uffff', '\ufffd'])],
    [2, () => rng.pick(['\u0000', 'a\u0000b', '\n', '\r\n', '\t', '\u007f', '\u0001'])],
    [2, () => rng.pick(['.', '..', '../..', '/', '//', '%2e%2e', '%2F', '%', '%zz', '\\', '?', '#', '&', '='])],
    [2, () => rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'null', 'undefined', 'NaN', 'true'])],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Log4Shell probe is this literal text, not a template.
    [1, () => rng.pick(['I#', 'I#x#y', '#', 'LOCALPOOL#', 'HEAD', 'R#', '<script>alert(1)</script>', "' OR '1'='1", '${jndi:ldap://x}'])],
    [2, () => rng.string(rng.int(1, 40), 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-')],
    [1, () => rng.string(rng.int(1, 30), '!"$&\'()*+,;=@[]^`{|}~ ')],
    [1, () => `us-east-1:${rng.string(8, '0123456789abcdef')}`],
    [1, () => `eu-west-1:${rng.string(36, '0123456789abcdef-')}`],
  ])();
}

/** Numbers-as-strings for `Long` and `IntegerString` members (query strings). */
export function hostileNumberString(rng: Rng): string {
  return rng.pick([
    '-1',
    '-0',
    '0',
    '00',
    '01',
    '1',
    '1.5',
    '1e3',
    '0x10',
    ' 1',
    '1 ',
    '+1',
    'NaN',
    'Infinity',
    '',
    'abc',
    '2147483647',
    '2147483648',
    '-2147483649',
    '9007199254740993',
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775809',
    '99999999999999999999999999',
    '1,2',
    '１',
    '\u0661',
  ]);
}

/** JSON values of the wrong type, for any member. */
export function wrongTypeValue(rng: Rng): unknown {
  return rng.pick<unknown>([null, true, false, 0, -1, 1.5, 1e308, -0, 2 ** 53 + 2, 'string', '', [], [1, 2], {}, { a: 1 }, [[[]]], { __proto__: null }]);
}

/** Numbers for `SyncCount`, around the record's count and outside any sane range. */
export function hostileSyncCount(rng: Rng, current: number): unknown {
  return rng.pick<unknown>([
    current,
    current,
    current + 1,
    current - 1,
    0,
    -1,
    1.5,
    2 ** 31,
    2 ** 53,
    2 ** 53 + 2,
    2 ** 63,
    1e308,
    -1e308,
    '0',
    String(current),
    null,
    true,
    [current],
    { n: current },
  ]);
}

/** A value for `Value` (up to 1,048,575 characters is valid; one more is not). */
export function hostileRecordValue(rng: Rng): unknown {
  return rng.weighted<() => unknown>([
    [8, () => rng.string(rng.int(0, 30), 'abcdefghij "\\/\u00e9😀')],
    [3, () => hostileString(rng)],
    [1, () => 'v'.repeat(rng.pick([1_048_575, 1_048_576]))],
    // Escapes double in JSON: a body that is small as a value and big as an event.
    [1, () => '"'.repeat(rng.pick([100_000, 600_000]))],
    [2, () => wrongTypeValue(rng)],
  ])();
}

/** Hex for made-up UUIDs, from the run's own stream (so runs are reproducible). */
export const fakeUuid = (rng: Rng): string =>
  `${rng.string(8, '0123456789abcdef')}-${rng.string(4, '0123456789abcdef')}-4${rng.string(3, '0123456789abcdef')}-8${rng.string(3, '0123456789abcdef')}-${rng.string(12, '0123456789abcdef')}`;
