import type { Rng } from './prng';
import { hostileNumberString, hostileString } from './values';
import { utf8Bytes } from './wire';
import { type Context, type Draft, encodeLabel } from './draft';

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

export type Mutation = (ctx: Context, d: Draft) => string;

function insertAt(rng: Rng, s: string, insert: string): string {
  const at = rng.int(1, Math.max(1, s.length));
  return s.slice(0, at) + insert + s.slice(at);
}

const segmentsOf = (path: string): string[] => path.split('/');

export const pathMutations: Mutation[] = [
  (ctx, d) => {
    const { rng } = ctx;
    const segments = segmentsOf(d.path);
    const variant = rng.int(0, 4);
    if (variant === 0) d.path += rng.pick(['/.', '/..', '/./', '/../', '/%2e', '/%2E%2E', '/.%2e']);
    else if (variant === 1 && segments.length > 2) {
      segments[rng.int(2, segments.length - 1)] = rng.pick(['.', '..', '%2e', '%2e%2e', '.%2E', '...']);
      d.path = segments.join('/');
    } else if (variant === 2 && segments.length > 2) {
      segments.splice(rng.int(2, segments.length - 1), 0, rng.pick(['.', 'x/..', '..', 'datasets/..', '%2e%2e']));
      d.path = segments.join('/');
    } else if (variant === 3) d.path = rng.pick(['/..', '/.', '/./']) + d.path;
    else d.path = d.path.replace(/\/([^/]+)$/, `/$1/../$1`);
    return 'path:dot-segments';
  },
  (ctx, d) => {
    const slashes = [...d.path.matchAll(/\//g)].map((m) => m.index ?? 0);
    const at = ctx.rng.pick(slashes.length > 0 ? slashes : [0]);
    d.path = `${d.path.slice(0, at)}/${d.path.slice(at)}`;
    return 'path:double-slash';
  },
  (_ctx, d) => {
    d.path += '/';
    return 'path:trailing-slash';
  },
  (ctx, d) => {
    d.path = d.path.replace('identitypools', ctx.rng.pick(['IdentityPools', 'IDENTITYPOOLS', 'identityPools'])).replace('datasets', 'Datasets');
    return 'path:case';
  },
  (ctx, d) => {
    // Percent-encode a character that needs none (the router and the signer must agree on it).
    const { rng } = ctx;
    const candidates = [...d.path].map((c, i) => [c, i] as const).filter(([c]) => /[A-Za-z0-9:]/.test(c));
    if (candidates.length === 0) return 'path:encode-unreserved(none)';
    const [c, i] = rng.pick(candidates);
    const hex = c.charCodeAt(0).toString(16);
    d.path = `${d.path.slice(0, i)}%${rng.chance(0.5) ? hex.toUpperCase() : hex}${d.path.slice(i + 1)}`;
    return 'path:encode-unreserved';
  },
  (ctx, d) => {
    d.path = d.path.replace(/%3A/g, ctx.rng.pick(['%3a', ':', '%253A', '%2F']));
    return 'path:colon-encoding';
  },
  (ctx, d) => {
    d.path = insertAt(ctx.rng, d.path, ctx.rng.pick(['%zz', '%', '%4', '%ED%A0%80', '%ED%B0%80', '%FF', '%C0%AF', '%E2%82', '%00', '%25', '%2F', '%5C']));
    return 'path:bad-percent-encoding';
  },
  (ctx, d) => {
    const long = 'a'.repeat(ctx.rng.pick([1_025, 2_000, 9_000, 9_000, 17_000, 100_000]));
    const segments = segmentsOf(d.path);
    if (segments.length > 2 && ctx.rng.chance(0.5)) {
      segments[ctx.rng.int(2, segments.length - 1)] = long;
      d.path = segments.join('/');
    } else d.path += `/${long}`;
    return `path:long-segment(${long.length})`;
  },
  (ctx, d) => {
    d.path = insertAt(ctx.rng, d.path, ctx.rng.pick([utf8Bytes('é'), utf8Bytes('😀'), '\xff', '\x80', '\xc3', '\xed\xa0\x80', utf8Bytes('\u202e')]));
    return 'path:raw-non-ascii';
  },
  (ctx, d) => {
    d.path = insertAt(ctx.rng, d.path, ctx.rng.pick(['\x01', '\x7f', '\t', ' ', '\x00', '"', '<', '{', '|', '^', '`']));
    return 'path:raw-control-or-unsafe';
  },
  (ctx, d) => {
    d.path += ctx.rng.pick(['#frag', ';a=b', '?', '\\', '\\..\\..']);
    return 'path:suffix';
  },
  (ctx, d) => {
    const variant = ctx.rng.int(0, 3);
    if (variant === 0) d.absoluteForm = true;
    else if (variant === 1) d.path = '*';
    else if (variant === 2) d.path = d.path.slice(1);
    else d.path = '';
    return 'path:request-target-form';
  },
  (ctx, d) => {
    const segments = segmentsOf(d.path);
    if (segments.length > 3) {
      const i = ctx.rng.int(1, segments.length - 1);
      if (ctx.rng.chance(0.5)) segments.splice(i, 1);
      else segments.splice(i, 0, ctx.rng.pick(['extra', 'identities', 'datasets', '']));
    }
    d.path = segments.join('/');
    return 'path:segment-count';
  },
];

export const queryMutations: Mutation[] = [
  (ctx, d) => {
    const extra = ctx.rng.pick([
      'maxResults=1&maxResults=2',
      'lastSyncCount=0&lastSyncCount=9',
      'nextToken=&nextToken=x',
      'foo=bar',
      'maxResults',
      '&&=&',
      '=',
      'nextToken=%zz',
      'nextToken=%ED%A0%80',
      'nextToken=%FF',
      'syncSessionToken=a+b',
      `x=${'\xe9'}`,
      '__proto__=x&constructor=y',
      'maxResults=%31',
      'MaxResults=5',
      'lastsynccount=1',
      'maxResults[]=1',
    ]);
    d.query = d.query ? `${d.query}&${extra}` : extra;
    return 'query:odd-parameters';
  },
  (ctx, d) => {
    const name = ctx.rng.pick(['maxResults', 'lastSyncCount', 'nextToken', 'syncSessionToken']);
    const value = name === 'maxResults' || name === 'lastSyncCount' ? hostileNumberString(ctx.rng) : hostileString(ctx.rng);
    const pair = `${name}=${encodeLabel(value)}`;
    d.query = d.query ? `${d.query}&${pair}` : pair;
    return `query:${name}-boundary`;
  },
  (ctx, d) => {
    // The signer's canonical query is quadratic in the parameter count: 3,000 cost seconds on both sides.
    const n = ctx.rng.pick([100, 600]);
    const many = Array.from({ length: n }, (_, i) => `p${i}=v`).join('&');
    d.query = d.query ? `${d.query}&${many}` : many;
    return `query:many-parameters(${n})`;
  },
  (ctx, d) => {
    const huge = `nextToken=${'A'.repeat(ctx.rng.pick([4_097, 15_000, 20_000]))}`;
    d.query = d.query ? `${d.query}&${huge}` : huge;
    return 'query:huge-value';
  },
  (_ctx, d) => {
    d.query = `?${d.query}`;
    return 'query:double-question-mark';
  },
];

export const methodMutations: Mutation[] = [
  (ctx, d) => {
    d.method = ctx.rng.pick(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE'].filter((m) => m !== d.method));
    return `method:${d.method}`;
  },
  (_ctx, d) => {
    d.method = 'CONNECT';
    return 'method:CONNECT';
  },
  (ctx, d) => {
    d.method = ctx.rng.chance(0.5) ? d.method.toLowerCase() : ctx.rng.pick(['FOO', 'PROPFIND', 'PURGE', 'M-SEARCH', 'BREW', 'QUERY', 'SEARCH']);
    return `method:${JSON.stringify(d.method)}`;
  },
  (ctx, d) => {
    d.method = ctx.rng.pick(['G\x01T', '', 'GET\t', 'P OST', 'GÉT', 'GET/']);
    return `method:malformed(${JSON.stringify(d.method)})`;
  },
  (ctx, d) => {
    d.method = 'OPTIONS';
    d.headers.push(['origin', ctx.rng.pick(['https://evil.example', 'http://localhost:3000', 'null'])], ['access-control-request-method', 'POST']);
    if (ctx.rng.chance(0.5)) d.headers.push(['access-control-request-headers', 'authorization,x-amz-date']);
    return 'method:cors-preflight';
  },
];
