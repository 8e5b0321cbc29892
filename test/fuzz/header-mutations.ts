import { hostileString } from './values';
import { utf8Bytes } from './wire';
import type { Framing } from './draft';
import type { Mutation } from './path-mutations';

export const headerMutations: Mutation[] = [
  (ctx, d) => {
    const size = ctx.rng.pick([8_000, 15_000, 17_000, 70_000]);
    d.headers.push(['x-fuzz-huge', 'h'.repeat(size)]);
    return `header:huge(${size})`;
  },
  (ctx, d) => {
    const n = ctx.rng.pick([100, 1_500, 2_100]);
    for (let i = 0; i < n; i++) d.headers.push([`x-fuzz-${i}`, 'v']);
    return `header:many(${n})`;
  },
  (ctx, d) => {
    const target = ctx.rng.pick([
      'AWSCognitoIdentityService.GetId',
      'AWSCognitoIdentityService.CreateIdentityPool',
      'AWSCognitoIdentityService.',
      'AWSCognitoIdentityService.DeleteIdentityPool',
      'AWSCognitoSyncService.ListRecords',
      'junk',
      '',
    ]);
    d.headers = d.headers.filter(([n]) => n !== 'x-amz-target');
    d.headers.push(['x-amz-target', target]);
    return `header:x-amz-target(${target})`;
  },
  (ctx, d) => {
    d.headers = d.headers.filter(([n]) => n !== 'content-type');
    const type = ctx.rng.pick([
      'text/plain',
      'application/x-amz-json-1.1',
      'application/json; charset=latin1',
      'multipart/form-data; boundary=x',
      '',
      'é',
      'application/xml',
    ]);
    if (ctx.rng.chance(0.8)) d.headers.push(['content-type', utf8Bytes(type)]);
    if (ctx.rng.chance(0.2)) d.headers.push(['content-type', 'application/json']);
    return `header:content-type(${JSON.stringify(type)})`;
  },
  (ctx, d) => {
    d.headers.push(['x-amz-client-context', utf8Bytes(ctx.rng.pick([hostileString(ctx.rng), 'not base64 ✓', 'e30=', `=${'A'.repeat(9000)}`]))]);
    return 'header:client-context';
  },
  (ctx, d) => {
    d.headers.push([ctx.rng.pick(['x-fuzz', 'user-agent', 'x-amz-user-agent']), ctx.rng.pick(['\xe9\xff', utf8Bytes('😀'), '\x7f', utf8Bytes('\ud800')])]);
    return 'header:non-ascii-value';
  },
  (ctx, d) => {
    d.headers.push(
      ctx.rng.pick<[string, string]>([
        ['x y', 'z'],
        ['x(y)', 'z'],
        ['', 'empty-name'],
        ['x-fuzz', 'a\r\n continued'],
        ['x-fuzz\x00', 'z'],
        ['é', 'z'],
      ]),
    );
    return 'header:malformed';
  },
  (ctx, d) => {
    d.headers.push(['expect', ctx.rng.pick(['100-continue', 'fancy'])]);
    return 'header:expect';
  },
  (ctx, d) => {
    d.headers.push(['origin', ctx.rng.pick(['https://evil.example', 'null', 'http://127.0.0.1:1'])]);
    return 'header:origin';
  },
  (ctx, d) => {
    d.headers.push([ctx.rng.pick(['__proto__', 'constructor', 'hasOwnProperty']), 'x']);
    return 'header:prototype-names';
  },
];

export const framingMutations: Mutation[] = [
  (ctx, d) => {
    d.framing = ctx.rng.pick<Framing>(['chunked', 'short-content-length', 'te-and-cl', 'double-content-length', 'none']);
    return `framing:${d.framing}`;
  },
  (_ctx, d) => {
    d.omitHost = true;
    return 'framing:no-host';
  },
  (ctx, d) => {
    d.version = ctx.rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/0.9', 'HTTX/1.1', 'HTTP/1.1 extra']);
    return `framing:version(${d.version})`;
  },
];
