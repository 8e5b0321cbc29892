/**
 * The hostile request generator. Request `i` of seed `s` is drawn from its own PRNG stream, so it can
 * be made again alone. Each request is:
 *
 * - a target: one of the 17 operations of the operation table (built from its bindings, so every
 *   route, label, query member, header member and body member is exercised), the Cognito Identity
 *   subset (`POST /` with `X-Amz-Target`, known and unknown operations), or a stray path;
 * - a caller: the developer or a fuzzer identity on the fuzzer's own data (changes allowed), or an
 *   attack on a victim's data (another identity's credentials, no signature, a bad signature), which
 *   must change nothing;
 * - zero to three mutations of method, path, query, headers, framing and body.
 *
 * The rule that keeps the victim check meaningful: a correct developer signature is only ever made
 * over a request whose ids are the fuzzer's (or made up), because the developer may legitimately
 * change anything. Victims' ids appear only in requests the service must refuse.
 */
import { randomBytes } from 'node:crypto';
import { mintSessionCredentials } from '../../lambdas/local/auth/credentials';
import { TokenCodec } from '../../lambdas/src/domain/tokens';
import { OPERATION_LIST, type MemberBinding, type OperationSpec } from '../../lambdas/src/operations';
import { Rng, streamSeed } from './prng';
import { signWire, type SigningCredentials } from './sign';
import { fakeUuid, hostileNumberString, hostileRecordValue, hostileString, hostileSyncCount, wrongTypeValue } from './values';
import { utf8Bytes, type WireRequest } from './wire';
import type { Party, PartyDataset, World } from './world';

export type CallerMode = 'developer' | 'own-identity' | 'identity-on-victim' | 'unsigned-on-victim' | 'bad-signature-on-victim';

export interface HostileRequest {
  readonly index: number;
  /** Operation, caller and mutations, for the report. */
  readonly description: string;
  readonly wire: WireRequest;
}

/** Whose data a request names. Made-up identities belong to nobody. */
interface Subject {
  readonly label: string;
  readonly pool: string;
  readonly identityId: string;
  readonly datasets: readonly PartyDataset[];
  readonly credentials?: SigningCredentials;
}

type Framing = 'content-length' | 'chunked' | 'short-content-length' | 'te-and-cl' | 'double-content-length' | 'none';

/** A request before it is put on the wire: mutations edit this. */
interface Draft {
  method: string;
  /** Percent-encoded, one character per byte. */
  path: string;
  /** Raw, without `?`. */
  query: string;
  /** Besides host, content-length and connection, which `assemble` adds. */
  headers: [string, string][];
  /** The JSON body while it is still an object; serialized before the byte-level mutations. */
  json: Record<string, unknown> | undefined;
  body: Buffer;
  version: string;
  framing: Framing;
  omitHost: boolean;
  absoluteForm: boolean;
  /** The signing name: `cognito-sync`/`execute-api` for sync routes, `cognito-identity` for the subset. */
  service: string;
}

interface Context {
  readonly rng: Rng;
  readonly world: World;
  readonly mode: CallerMode;
  readonly subject: Subject;
  /** The fuzzer identity that signs (own-identity, identity-on-victim), or a fuzzer to borrow ids from. */
  readonly fuzzer: Party;
  readonly notes: string[];
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** RFC 3986 encoding of the UTF-8 bytes (a lone surrogate becomes U+FFFD's bytes, as a client would send). */
export function encodeLabel(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += UNRESERVED.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Subjects and callers
// ---------------------------------------------------------------------------------------------

function madeUpSubject(rng: Rng, world: World): Subject {
  const pool = rng.pick([world.fuzzerPool, world.victimPool, `${world.region}:${fakeUuid(rng)}`]);
  return { label: 'made-up', pool, identityId: `${world.region}:${fakeUuid(rng)}`, datasets: [] };
}

function chooseSubject(rng: Rng, world: World, mode: CallerMode, fuzzer: Party): Subject {
  switch (mode) {
    case 'developer':
      return rng.chance(0.8) ? rng.pick(world.fuzzers) : madeUpSubject(rng, world);
    case 'own-identity':
      return rng.chance(0.9) ? fuzzer : rng.chance(0.5) ? madeUpSubject(rng, world) : rng.pick(world.fuzzers);
    default:
      return rng.pick(world.victims);
  }
}

// ---------------------------------------------------------------------------------------------
// Member values, by shape
// ---------------------------------------------------------------------------------------------

function datasetName(ctx: Context): string {
  const { rng, subject } = ctx;
  if (subject.datasets.length > 0 && rng.chance(0.75)) return rng.pick(subject.datasets).name;
  return rng.chance(0.8) ? rng.pick(['settings', 'fresh', 'new_one', 'x.y:z-1', 'scratch']) : hostileString(rng);
}

/** Flips one character of a token, keeping its form. */
function tamper(rng: Rng, token: string): string {
  if (token === '') return 'x';
  const at = rng.int(0, token.length - 1);
  const replacement = token[at] === 'A' ? 'B' : 'A';
  return token.slice(0, at) + replacement + token.slice(at + 1);
}

/** A token whose payload is rewritten to name `subject`, keeping the original MAC. */
function retargetedToken(token: string, subject: Subject, dataset: string): string {
  const [payload, mac] = token.split('.');
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const rewritten = { ...claims, p: subject.pool, i: subject.identityId, d: dataset };
    return `${Buffer.from(JSON.stringify(rewritten)).toString('base64url')}.${mac}`;
  } catch {
    return token;
  }
}

function syncSessionToken(ctx: Context, dataset: string): string {
  const { rng, world, subject } = ctx;
  const own = subject.datasets.find((d) => d.name === dataset);
  const anyParty = rng.pick([...world.fuzzers, ...world.victims]);
  return rng.weighted<() => string>([
    [6, () => own?.token ?? rng.pick(ctx.fuzzer.datasets).token],
    [2, () => rng.pick(anyParty.datasets).token],
    [1, () => tamper(rng, own?.token ?? rng.pick(ctx.fuzzer.datasets).token)],
    [1, () => retargetedToken(rng.pick(ctx.fuzzer.datasets).token, subject, dataset)],
    [1, () => new TokenCodec(randomBytes(32)).seal('sync-session', { s: fakeUuid(rng), p: subject.pool, i: subject.identityId, d: dataset, t: Date.now() })],
    [1, () => world.fuzzerNextToken],
    [2, () => hostileString(rng)],
  ])();
}

function nextToken(ctx: Context): string {
  const { rng, world } = ctx;
  return rng.weighted<() => string>([
    [3, () => world.fuzzerNextToken],
    [1, () => tamper(rng, world.fuzzerNextToken)],
    [1, () => rng.pick(world.fuzzers[0].datasets).token],
    [1, () => `${Buffer.from(JSON.stringify({ o: 0, k: 'zzz' })).toString('base64url')}.AAAA`],
    [3, () => hostileString(rng)],
  ])();
}

function recordPatches(ctx: Context, dataset: string): unknown {
  const { rng, subject } = ctx;
  if (rng.chance(0.04)) return wrongTypeValue(rng);
  const counts = subject.datasets.find((d) => d.name === dataset)?.counts ?? {};
  const knownKeys = Object.keys(counts);
  const n = rng.weighted([
    [40, rng.int(1, 3)],
    [4, 0],
    [4, rng.int(4, 60)],
    [1, 99],
    [1, 100],
    [1, 101],
    [1, 1024],
    [1, 1025],
  ]);
  const patches: unknown[] = [];
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.02)) {
      patches.push(wrongTypeValue(rng));
      continue;
    }
    const key = rng.weighted<() => string>([
      [4, () => (knownKeys.length > 0 ? rng.pick(knownKeys) : 'colour')],
      [3, () => (n > 10 ? `k${i}` : `k${rng.int(0, 40)}`)],
      [n > 10 ? 0.2 : 3, () => hostileString(rng)],
    ])();
    const patch: Record<string, unknown> = {
      Op: rng.weighted<unknown>([
        [7, 'replace'],
        [2, 'remove'],
        [1, rng.pick<unknown>(['REPLACE', 'add', '', null, 5, ['replace']])],
      ]),
      Key: key,
    };
    // Large values only in small updates: 1,024 patches of a megabyte each would only test the network.
    if (patch.Op !== 'remove' || rng.chance(0.2)) patch.Value = n <= 3 ? hostileRecordValue(rng) : `v${i}`;
    if (rng.chance(0.9)) patch.SyncCount = hostileSyncCount(rng, counts[key] ?? 0);
    if (rng.chance(0.2)) patch.DeviceLastModifiedDate = rng.pick<unknown>([Date.now() / 1000, -1, 0, 1e20, 'yesterday', '2020-01-01T00:00:00Z', null]);
    if (rng.chance(0.03)) delete patch[rng.pick(['Op', 'Key'])];
    if (rng.chance(0.03)) patch[rng.pick(['Extra', '__proto__', 'constructor', 'op', 'key'])] = wrongTypeValue(rng);
    patches.push(patch);
  }
  // Conflicting sync counts: the same key twice, with different counts.
  if (patches.length > 0 && rng.chance(0.1)) {
    const first = patches[0];
    if (first && typeof first === 'object' && !Array.isArray(first)) {
      const p = first as Record<string, unknown>;
      patches.push({ ...p, SyncCount: typeof p.SyncCount === 'number' ? p.SyncCount + 1 : 7, Value: 'conflict' });
      ctx.notes.push('conflicting-sync-counts');
    }
  }
  return patches;
}

function memberValue(ctx: Context, name: string, binding: MemberBinding, dataset: string): unknown {
  const { rng } = ctx;
  const hostile = rng.chance(0.15);
  switch (binding.shape) {
    case 'IntegerString':
      return hostile ? hostileNumberString(rng) : String(rng.pick([1, 2, 3, 10, 60, 1024]));
    case 'Long':
      return hostile ? hostileNumberString(rng) : String(rng.int(0, 6));
    case 'String':
      if (name === 'SyncSessionToken') return syncSessionToken(ctx, dataset);
      if (name === 'NextToken') return nextToken(ctx);
      if (name === 'ClientContext') {
        return hostile ? hostileString(rng) : Buffer.from(JSON.stringify({ client: { app_title: 'fuzz' } })).toString('base64');
      }
      return hostileString(rng);
    case 'DeviceId':
      return hostile ? hostileString(rng) : fakeUuid(rng);
    case 'Platform':
      return hostile ? rng.pick<unknown>(['apns', 'WINDOWS', '', 5, null]) : rng.pick(['APNS', 'APNS_SANDBOX', 'GCM', 'ADM']);
    case 'PushToken':
      return hostile ? hostileString(rng) : rng.string(64, '0123456789abcdef');
    case 'RecordPatches':
      return recordPatches(ctx, dataset);
    case 'PushSync':
      return hostile
        ? wrongTypeValue(rng)
        : { ApplicationArns: [`arn:aws:sns:us-east-1:123456789012:app/GCM/${rng.string(6, 'abc')}`], RoleArn: 'arn:aws:iam::123456789012:role/x' };
    case 'CognitoStreams':
      return hostile
        ? wrongTypeValue(rng)
        : { StreamName: rng.string(8, 'abc'), RoleArn: 'arn:aws:iam::123456789012:role/x', StreamingStatus: rng.pick(['ENABLED', 'DISABLED', 'MAYBE']) };
    case 'Events':
      return hostile ? wrongTypeValue(rng) : { SyncTrigger: 'arn:aws:lambda:us-east-1:123456789012:function:f' };
    case 'IdentityPoolId':
    case 'IdentityId':
    case 'DatasetName':
      return hostileString(rng);
  }
}

// ---------------------------------------------------------------------------------------------
// Drafts
// ---------------------------------------------------------------------------------------------

const emptyDraft = (): Draft => ({
  method: 'GET',
  path: '/',
  query: '',
  headers: [],
  json: undefined,
  body: Buffer.alloc(0),
  version: 'HTTP/1.1',
  framing: 'content-length',
  omitHost: false,
  absoluteForm: false,
  service: 'cognito-sync',
});

/** Operations weighted toward the ones that write. */
function chooseOperation(rng: Rng): OperationSpec {
  return rng.weighted(OPERATION_LIST.map((op) => [op.name === 'UpdateRecords' ? 6 : op.available ? 2 : 1, op] as const));
}

function syncDraft(ctx: Context, op: OperationSpec): Draft {
  const { rng, subject } = ctx;
  const dataset = datasetName(ctx);
  const labels: Record<string, string> = {
    IdentityPoolId: subject.pool,
    IdentityId: subject.identityId,
    DatasetName: dataset,
    DeviceId: fakeUuid(rng),
  };
  const draft = emptyDraft();
  draft.method = op.method;
  draft.service = rng.chance(0.25) ? 'execute-api' : 'cognito-sync';
  draft.path = op.path.replace(/\{(\w+)\}/g, (_whole, label: string) =>
    encodeLabel(rng.chance(0.06) ? hostileString(rng) : (labels[label] ?? hostileString(rng))),
  );
  const query: string[] = [];
  let body: Record<string, unknown> | undefined;
  for (const [name, binding] of Object.entries(op.input)) {
    if (binding.in === 'path') continue;
    if (binding.in === 'query') {
      if (rng.chance(0.5)) query.push(`${binding.name}=${encodeLabel(String(memberValue(ctx, name, binding, dataset)))}`);
    } else if (binding.in === 'header') {
      if (rng.chance(0.4)) draft.headers.push([binding.name, utf8Bytes(String(memberValue(ctx, name, binding, dataset)))]);
    } else {
      body ??= {};
      if (binding.required || rng.chance(0.8)) body[name] = memberValue(ctx, name, binding, dataset);
    }
  }
  draft.query = query.join('&');
  if (body) {
    draft.json = body;
    draft.headers.push(['content-type', 'application/json']);
  }
  return draft;
}

const UNKNOWN_IDENTITY_OPERATIONS = [
  'DeleteIdentityPool',
  'UpdateIdentityPool',
  'DescribeIdentityPool',
  'ListIdentityPools',
  'DeleteIdentities',
  'GetOpenIdToken',
  'MergeDeveloperIdentities',
  'SetIdentityPoolRoles',
  '',
  'GetId ',
  'getid',
  'GetId\u0000',
];

function identityDraft(ctx: Context): Draft {
  const { rng, world, mode, subject } = ctx;
  // Pool-wide operations by the developer go to the fuzzer's pool: the victims' pool item is in the snapshot.
  const pool = mode === 'developer' ? world.fuzzerPool : subject.pool;
  const operation = rng.weighted([
    [3, 'GetId'],
    [3, 'GetCredentialsForIdentity'],
    [2, 'CreateIdentityPool'],
    [2, rng.pick(UNKNOWN_IDENTITY_OPERATIONS)],
  ]);
  const hostile = rng.chance(0.25);
  const pick = (valid: unknown) => (hostile && rng.chance(0.5) ? (rng.chance(0.5) ? hostileString(rng) : wrongTypeValue(rng)) : valid);
  const body: Record<string, unknown> = {};
  switch (operation) {
    case 'GetId':
      body.IdentityPoolId = pick(pool);
      if (rng.chance(0.2)) body.AccountId = pick('123456789012');
      if (rng.chance(0.1)) body.Logins = pick({ 'accounts.google.com': 'token' });
      break;
    case 'GetCredentialsForIdentity':
      body.IdentityId = pick(subject.identityId);
      if (rng.chance(0.1)) body.Logins = pick({ 'graph.facebook.com': 'token' });
      if (rng.chance(0.1)) body.CustomRoleArn = pick('arn:aws:iam::123456789012:role/admin');
      break;
    case 'CreateIdentityPool':
      body.IdentityPoolName = pick(`fuzz ${rng.int(0, 99)}`);
      body.AllowUnauthenticatedIdentities = pick(rng.chance(0.8));
      break;
    default:
      // Unknown to the local subset: must be refused, whatever they would do on AWS.
      body.IdentityPoolId = pool;
      body.IdentityIdsToDelete = [subject.identityId];
      body.AllowUnauthenticatedIdentities = false;
  }
  const draft = emptyDraft();
  draft.method = 'POST';
  draft.path = '/';
  draft.service = rng.chance(0.9) ? 'cognito-identity' : 'cognito-sync';
  draft.headers.push(['content-type', 'application/x-amz-json-1.1'], ['x-amz-target', utf8Bytes(`AWSCognitoIdentityService.${operation}`)]);
  draft.json = body;
  ctx.notes.push(`identity:${JSON.stringify(operation)}`);
  return draft;
}

function strayDraft(ctx: Context): Draft {
  const { rng, subject } = ctx;
  const pool = encodeLabel(subject.pool);
  const id = encodeLabel(subject.identityId);
  const draft = emptyDraft();
  draft.method = rng.pick(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD']);
  draft.path = rng.pick([
    '/',
    '/favicon.ico',
    '/robots.txt',
    '/identitypools',
    '/identitypools/',
    `/identitypools/${pool}/identities`,
    `/identitypools/${pool}/identities/${id}/datasets/settings/records/extra`,
    `/identitypools/${pool}/identity/${id}`,
    '/2014-06-30/identitypools',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/identitypools/a/b/c/d/e/f/g/h',
    `/IDENTITYPOOLS/${pool}`,
  ]);
  if (rng.chance(0.4)) {
    draft.json = { anything: hostileString(rng) };
    draft.headers.push(['content-type', 'application/json']);
  }
  return draft;
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

type Mutation = (ctx: Context, d: Draft) => string;

function insertAt(rng: Rng, s: string, insert: string): string {
  const at = rng.int(1, Math.max(1, s.length));
  return s.slice(0, at) + insert + s.slice(at);
}

const segmentsOf = (path: string): string[] => path.split('/');

const pathMutations: Mutation[] = [
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

const queryMutations: Mutation[] = [
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

const methodMutations: Mutation[] = [
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

const headerMutations: Mutation[] = [
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

const framingMutations: Mutation[] = [
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

/** Object-level: while the body is still an object. */
const memberMutations: Mutation[] = [
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
const bodyMutations: Mutation[] = [
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

const MUTATION_FAMILIES: readonly (readonly [number, readonly Mutation[]])[] = [
  [3.5, pathMutations],
  [2, queryMutations],
  [2, methodMutations],
  [3, headerMutations],
  [1.5, framingMutations],
  [3, memberMutations],
  [4, bodyMutations],
];

// ---------------------------------------------------------------------------------------------
// Assembly and signing
// ---------------------------------------------------------------------------------------------

function assemble(d: Draft, world: World): WireRequest {
  const target = (d.absoluteForm ? `http://${world.host}` : '') + d.path + (d.query !== '' ? `?${d.query}` : '');
  const headers: [string, string][] = [];
  if (!d.omitHost) headers.push(['host', world.host]);
  headers.push(...d.headers);
  const length = d.body.length;
  let chunked = false;
  switch (d.framing) {
    case 'content-length':
      if (length > 0 || d.method === 'POST' || d.method === 'PUT') headers.push(['content-length', String(length)]);
      break;
    case 'chunked':
      headers.push(['transfer-encoding', 'chunked']);
      chunked = true;
      break;
    case 'short-content-length':
      headers.push(['content-length', String(Math.max(0, length - 3))]);
      break;
    case 'te-and-cl':
      headers.push(['content-length', String(length)], ['transfer-encoding', 'chunked']);
      chunked = true;
      break;
    case 'double-content-length':
      headers.push(['content-length', String(length)], ['content-length', String(length + 1)]);
      break;
    case 'none':
      break;
  }
  headers.push(['connection', 'close']);
  return { method: d.method, target, version: d.version, headers, body: d.body, chunked };
}

/** Percent-decodes leniently (bad escapes stay), as often as it takes, lower-cased. */
function looseDecode(text: string): string {
  let out = text.toLowerCase();
  for (let i = 0; i < 3; i++) out = out.replace(/%([0-9a-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return out;
}

/** Whether a victim's identity id appears anywhere in the request, in any spelling. */
export function mentionsVictim(wire: WireRequest, world: World): boolean {
  const text = looseDecode([wire.target, wire.body.toString('latin1'), ...wire.headers.map(([, v]) => v)].join('\n'));
  return world.victims.some((v) => text.includes(v.identityId.split(':')[1].toLowerCase()));
}

/** The request with a victim's ids replaced by a fuzzer's, in the target and the body. */
function retarget(wire: WireRequest, from: Subject, to: Party): WireRequest {
  const swap = (text: string) =>
    [
      [from.identityId, to.identityId],
      [encodeLabel(from.identityId), encodeLabel(to.identityId)],
    ].reduce((t, [a, b]) => t.split(a).join(b), text);
  return { ...wire, target: swap(wire.target), body: Buffer.from(swap(wire.body.toString('latin1')), 'latin1') };
}

const setHeader = (wire: WireRequest, name: string, value: string | undefined): WireRequest => ({
  ...wire,
  headers: [...wire.headers.filter(([n]) => n.toLowerCase() !== name), ...(value === undefined ? [] : [[name, value] as [string, string]])],
});

async function badlySigned(ctx: Context, wire: WireRequest, service: string): Promise<WireRequest> {
  const { rng, world, subject, fuzzer } = ctx;
  const region = world.region;
  const developer = world.developer;
  const victimToken = (subject.credentials?.sessionToken ?? '') as string;
  const variant = rng.int(0, 13);
  switch (variant) {
    case 0:
      ctx.notes.push('bad-signature:wrong-secret');
      return signWire(wire, { credentials: { ...developer, secretAccessKey: 'not-the-secret' }, region, service });
    case 1: {
      // A genuine developer signature, of the same request aimed at the fuzzer's data.
      const other = retarget(wire, subject, fuzzer);
      // Only if the copy no longer names the victim (a mutation may spell the id another way) and differs.
      if (!mentionsVictim(other, world) && (other.target !== wire.target || !other.body.equals(wire.body))) {
        ctx.notes.push('bad-signature:signed-for-another-path');
        const signed = await signWire(other, { credentials: developer, region, service });
        return { ...signed, target: wire.target, body: wire.body };
      }
      ctx.notes.push('bad-signature:wrong-secret');
      return signWire(wire, { credentials: { ...developer, secretAccessKey: 'another-secret' }, region, service });
    }
    case 2: {
      const other = { ...retarget(wire, subject, fuzzer), body: Buffer.from('{"signed":"another body"}') };
      if (!mentionsVictim(other, world)) {
        ctx.notes.push('bad-signature:signed-another-body');
        const signed = await signWire(other, { credentials: developer, region, service });
        return { ...signed, target: wire.target, body: wire.body };
      }
      ctx.notes.push('bad-signature:wrong-secret');
      return signWire(wire, { credentials: { ...developer, secretAccessKey: 'yet-another-secret' }, region, service });
    }
    case 3: {
      const wrongRegion = rng.pick(['us-west-2', 'eu-west-1', '', 'US-EAST-1']);
      ctx.notes.push(`bad-signature:region(${wrongRegion})`);
      return signWire(wire, { credentials: developer, region: wrongRegion, service });
    }
    case 4: {
      const wrongService = rng.pick(['s3', 'sts', 'cognito-identity', 'cognito-sync ', 'execute-api2', 'iam']);
      ctx.notes.push(`bad-signature:service(${wrongService})`);
      return signWire(wire, { credentials: developer, region, service: wrongService === service ? 's3' : wrongService });
    }
    case 5: {
      // Well outside the 5 minutes AWS allows either way.
      const skewMs = rng.pick([-1, 1]) * rng.pick([10 * 60_000, 24 * 3_600_000, 365 * 24 * 3_600_000]);
      ctx.notes.push(`bad-signature:skew(${skewMs / 60_000} min)`);
      return signWire(wire, { credentials: developer, region, service, signingDate: new Date(Date.now() + skewMs) });
    }
    case 6: {
      ctx.notes.push('bad-signature:corrupted');
      const signed = await signWire(wire, { credentials: developer, region, service });
      return {
        ...signed,
        headers: signed.headers.map(([n, v]): [string, string] => {
          if (n !== 'authorization') return [n, v];
          return [
            n,
            rng.pick([
              v.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`),
              v.slice(0, -1),
              `${v},Signature=${'0'.repeat(64)}`,
              v.replace('SignedHeaders=', 'SignedHeaders=x-fuzz;'),
            ]),
          ];
        }),
      };
    }
    case 7: {
      ctx.notes.push('bad-signature:x-amz-date-removed');
      const signed = await signWire(wire, { credentials: developer, region, service });
      return setHeader(signed, 'x-amz-date', rng.chance(0.5) ? undefined : rng.pick(['20200101T000000Z', 'yesterday', '', '99999999T999999Z']));
    }
    case 8:
      ctx.notes.push('bad-signature:fuzzer-secret-victim-token');
      return signWire(wire, { credentials: { ...fuzzer.credentials, sessionToken: victimToken }, region, service });
    case 9: {
      ctx.notes.push('bad-signature:forged-session-token');
      const forged = mintSessionCredentials(randomBytes(32), { pool: subject.pool, identity: subject.identityId });
      return signWire(wire, {
        credentials: { accessKeyId: forged.AccessKeyId, secretAccessKey: forged.SecretKey, sessionToken: forged.SessionToken },
        region,
        service,
      });
    }
    case 10:
      ctx.notes.push('bad-signature:tampered-victim-token');
      return signWire(wire, { credentials: { ...fuzzer.credentials, sessionToken: tamper(rng, victimToken) }, region, service });
    case 11:
      ctx.notes.push('bad-signature:developer-key-with-token');
      return signWire(wire, { credentials: { ...developer, sessionToken: fuzzer.credentials.sessionToken }, region, service });
    case 12: {
      ctx.notes.push('bad-signature:unsigned-payload');
      const marked = setHeader(wire, 'x-amz-content-sha256', rng.pick(['UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', '0'.repeat(64)]));
      return signWire(marked, { credentials: developer, region, service });
    }
    default: {
      ctx.notes.push('bad-signature:leaked-victim-token-without-secret');
      return signWire(wire, {
        credentials: { accessKeyId: subject.credentials?.accessKeyId ?? 'ASIAXXXXXXXXXXXXXXXX', secretAccessKey: 'guessed', sessionToken: victimToken },
        region,
        service,
      });
    }
  }
}

function unsigned(ctx: Context, wire: WireRequest): WireRequest {
  const { rng } = ctx;
  if (rng.chance(0.6)) return wire;
  const junk = rng.pick<[string, string]>([
    ['authorization', 'AWS4-HMAC-SHA256'],
    ['authorization', 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00'],
    [
      'authorization',
      `AWS4-HMAC-SHA256 Credential=${ctx.world.developer.accessKeyId}/20200101/us-east-1/cognito-sync/aws4_request, SignedHeaders=x-amz-date, Signature=abc`,
    ],
    ['authorization', 'Basic YWRtaW46YWRtaW4='],
    ['authorization', 'Bearer x'],
    ['authorization', ''],
    ['authorization', `AWS4-HMAC-SHA256 ${'Credential=x,'.repeat(2000)}`],
    ['x-amz-security-token', ctx.subject.credentials?.sessionToken ?? 'x'],
    ['x-amz-date', '20200101T000000Z'],
  ]);
  ctx.notes.push(`unsigned:${junk[0]}`);
  return { ...wire, headers: [...wire.headers, junk] };
}

async function authorize(ctx: Context, wire: WireRequest, service: string): Promise<WireRequest> {
  const { world, mode, fuzzer } = ctx;
  switch (mode) {
    case 'developer':
      // The developer may change anything: a valid developer signature must never name a victim.
      if (mentionsVictim(wire, world)) throw new Error(`generator bug: a developer request names a victim: ${wire.target}`);
      return signWire(wire, { credentials: world.developer, region: world.region, service });
    case 'own-identity':
    case 'identity-on-victim':
      return signWire(wire, { credentials: fuzzer.credentials, region: world.region, service });
    case 'unsigned-on-victim':
      return unsigned(ctx, wire);
    case 'bad-signature-on-victim':
      return badlySigned(ctx, wire, service);
  }
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

export async function generate(world: World, seed: number, index: number): Promise<HostileRequest> {
  const rng = new Rng(streamSeed(seed, index));
  const mode = rng.weighted<CallerMode>([
    [30, 'developer'],
    [22, 'own-identity'],
    [18, 'identity-on-victim'],
    [12, 'unsigned-on-victim'],
    [18, 'bad-signature-on-victim'],
  ]);
  const fuzzer = rng.pick(world.fuzzers);
  const subject = chooseSubject(rng, world, mode, fuzzer);
  const ctx: Context = { rng, world, mode, subject, fuzzer, notes: [] };

  const kind = rng.weighted([
    [80, 'sync'],
    [14, 'identity'],
    [6, 'stray'],
  ] as const);
  let what: string;
  let draft: Draft;
  if (kind === 'sync') {
    const op = chooseOperation(rng);
    draft = syncDraft(ctx, op);
    what = op.name;
  } else if (kind === 'identity') {
    draft = identityDraft(ctx);
    what = 'CognitoIdentity';
  } else {
    draft = strayDraft(ctx);
    what = 'stray';
  }

  const mutations: string[] = [];
  const count = rng.weighted([
    [20, 0],
    [45, 1],
    [25, 2],
    [10, 3],
  ]);
  const chosen = Array.from({ length: count }, () => rng.pick(rng.weighted(MUTATION_FAMILIES)));
  // Object-level mutations first, then the body is serialized for the byte-level ones.
  for (const mutation of chosen.filter((m) => memberMutations.includes(m))) mutations.push(mutation(ctx, draft));
  if (draft.json) draft.body = Buffer.from(JSON.stringify(draft.json));
  for (const mutation of chosen.filter((m) => !memberMutations.includes(m))) mutations.push(mutation(ctx, draft));

  const wire = await authorize(ctx, assemble(draft, world), draft.service);
  const description =
    `#${index} ${what} as ${mode} (${mode === 'developer' || mode === 'unsigned-on-victim' || mode.startsWith('bad') ? '' : `${fuzzer.label} → `}${subject.label})` +
    ` ${[...ctx.notes, ...mutations].join(', ') || 'no mutation'}`;
  return { index, description, wire };
}
