/**
 * Member values for the hostile request generator (generator.ts): a value for each request member by its
 * shape (dataset names, tampered and retargeted tokens, record patches), usually valid enough to reach
 * the service's logic, sometimes hostile. Apart from the route catalogue, which decides which members a
 * request carries.
 */
import { randomBytes } from 'node:crypto';
import { TokenCodec } from '../../lambdas/src/domain/tokens';
import type { MemberBinding } from '../../lambdas/src/operations';
import type { Rng } from './prng';
import { fakeUuid, hostileNumberString, hostileRecordValue, hostileString, hostileSyncCount, wrongTypeValue } from './values';
import type { Context, Subject } from './draft';

// ---------------------------------------------------------------------------------------------
// Member values, by shape
// ---------------------------------------------------------------------------------------------

export function datasetName(ctx: Context): string {
  const { rng, subject } = ctx;
  if (subject.datasets.length > 0 && rng.chance(0.75)) return rng.pick(subject.datasets).name;
  return rng.chance(0.8) ? rng.pick(['settings', 'fresh', 'new_one', 'x.y:z-1', 'scratch']) : hostileString(rng);
}

/** Flips one character of a token, keeping its form. */
export function tamper(rng: Rng, token: string): string {
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

export function memberValue(ctx: Context, name: string, binding: MemberBinding, dataset: string): unknown {
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
