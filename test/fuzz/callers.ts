/**
 * Callers and signing for the hostile request generator (generator.ts): whose data a request names, and
 * how it is authorised — a valid developer or identity signature, no signature, or one of the bad
 * signatures (wrong secret, region, service, skew, corrupted, forged or borrowed tokens). Also where a
 * draft is framed onto the wire, and the check that a valid developer signature never names a victim.
 */
import { randomBytes } from 'node:crypto';
import { mintSessionCredentials } from '../../lambdas/local/auth/credentials';
import type { Rng } from './prng';
import { signWire } from './sign';
import { fakeUuid } from './values';
import type { WireRequest } from './wire';
import type { Party, World } from './world';
import { type CallerMode, type Context, type Draft, type Subject, encodeLabel } from './draft';
import { tamper } from './members';

// ---------------------------------------------------------------------------------------------
// Subjects and callers
// ---------------------------------------------------------------------------------------------

function madeUpSubject(rng: Rng, world: World): Subject {
  const pool = rng.pick([world.fuzzerPool, world.victimPool, `${world.region}:${fakeUuid(rng)}`]);
  return { label: 'made-up', pool, identityId: `${world.region}:${fakeUuid(rng)}`, datasets: [] };
}

export function chooseSubject(rng: Rng, world: World, mode: CallerMode, fuzzer: Party): Subject {
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
// Assembly and signing
// ---------------------------------------------------------------------------------------------

export function assemble(d: Draft, world: World): WireRequest {
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

export async function authorize(ctx: Context, wire: WireRequest, service: string): Promise<WireRequest> {
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
