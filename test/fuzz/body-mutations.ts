import { hostileString, wrongTypeValue } from './values';
import type { Mutation } from './path-mutations';

/** Object-level: while the body is still an object. */
export const memberMutations: Mutation[] = [
  (ctx, d) => {
    if (!d.json) return 'member:none';
    const names = Object.keys(d.json);
    const name = names.length > 0 ? ctx.rng.pick(names) : 'SyncSessionToken';
    d.json[name] = wrongTypeValue(ctx.rng);
    return `member:wrong-type(${name})`;
  },
  (ctx, d) => {
    if (!d.json) return 'member:none';
    const names = Object.keys(d.json);
    if (names.length > 0) delete d.json[ctx.rng.pick(names)];
    return 'member:dropped';
  },
  (ctx, d) => {
    d.json ??= {};
    d.json[ctx.rng.pick(['Extra', 'syncSessionToken', 'recordPatches', 'IdentityId', 'IdentityPoolId', 'DatasetName'])] = ctx.rng.chance(0.5)
      ? hostileString(ctx.rng)
      : wrongTypeValue(ctx.rng);
    return 'member:unexpected';
  },
];

/** Byte-level: on the serialized body. */
export const bodyMutations: Mutation[] = [
  (ctx, d) => {
    d.body = Buffer.from(
      ctx.rng.pick([
        'not json',
        '{',
        '{"a":',
        '}',
        ']',
        '[]',
        'null',
        '1',
        '"s"',
        'true',
        '{}',
        '{"RecordPatches":{}}',
        "{'a':1}",
        '{"a":1,}',
        'NaN',
        '{"SyncSessionToken":}',
      ]),
    );
    return 'body:not-an-object';
  },
  (ctx, d) => {
    if (d.body.length > 1) d.body = d.body.subarray(0, ctx.rng.int(1, d.body.length - 1));
    return 'body:truncated';
  },
  (ctx, d) => {
    const n = ctx.rng.pick([1_000, 100_000, 1_000_000]);
    d.body = Buffer.from(ctx.rng.chance(0.5) ? '['.repeat(n) + ']'.repeat(n) : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
    return `body:deep-nesting(${n})`;
  },
  (ctx, d) => {
    if (d.body[0] === 0x7b)
      d.body = Buffer.concat([
        Buffer.from(`{"${ctx.rng.pick(['SyncSessionToken', 'RecordPatches', 'IdentityPoolId'])}":${ctx.rng.pick(['5', 'null', '"x"', '[]'])},`),
        d.body.subarray(1),
      ]);
    return 'body:duplicate-keys';
  },
  (_ctx, d) => {
    d.body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), d.body]);
    return 'body:bom';
  },
  (ctx, d) => {
    // Inside a JSON string when there is one: the bytes then reach a value, a key or a token.
    const quote = d.body.indexOf('":"');
    const at = quote >= 0 ? quote + 3 : ctx.rng.int(0, d.body.length);
    const bytes = ctx.rng.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xb0, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]);
    d.body = Buffer.concat([d.body.subarray(0, at), Buffer.from(bytes), d.body.subarray(at)]);
    return 'body:invalid-utf8';
  },
  (ctx, d) => {
    const quote = d.body.indexOf('":"');
    const escapeSequence = ctx.rng.pick(['\\ud800', '\\udc00', '\\udbff\\udbff', '\\u0000', '\\ud83d']);
    if (quote >= 0) d.body = Buffer.concat([d.body.subarray(0, quote + 3), Buffer.from(escapeSequence), d.body.subarray(quote + 3)]);
    return `body:escaped-surrogate(${escapeSequence})`;
  },
  (ctx, d) => {
    d.body = Buffer.concat([d.body, Buffer.from(ctx.rng.pick(['garbage', ' {}', '\u0000', ',', '\n\n']))]);
    return 'body:trailing-bytes';
  },
  (_ctx, d) => {
    if (d.body[0] === 0x7b) {
      d.body = Buffer.concat([Buffer.from('{"__proto__":{"RecordPatches":[],"isAdmin":true},"constructor":{"prototype":{"polluted":1}},'), d.body.subarray(1)]);
    }
    return 'body:prototype-pollution';
  },
  (ctx, d) => {
    const target = ctx.rng.pick([1_048_576, 5_900_000, 6 * 1024 * 1024 + 1, 7_000_000]);
    if (d.body.length < target) d.body = Buffer.concat([d.body, Buffer.alloc(target - d.body.length, 0x20)]);
    return `body:huge(${target})`;
  },
  (_ctx, d) => {
    d.body = Buffer.alloc(0);
    return 'body:empty';
  },
  (ctx, d) => {
    d.body = Buffer.from(JSON.stringify({ Any: hostileString(ctx.rng) }));
    return 'body:on-any-method';
  },
];
