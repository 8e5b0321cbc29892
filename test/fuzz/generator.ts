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
 *
 * The parts, one file each: draft.ts (the shared types), callers.ts (subjects, signing and the wire
 * framing), members.ts (member values), routes.ts (the route catalogue), and the mutation families in
 * path-mutations.ts, header-mutations.ts and body-mutations.ts. This file draws one request from them.
 */
import { Rng, streamSeed } from './prng';
import type { World } from './world';
import { assemble, authorize, chooseSubject, mentionsVictim } from './callers';
import { type CallerMode, type Context, type Draft, encodeLabel, type HostileRequest } from './draft';
import { chooseOperation, identityDraft, strayDraft, syncDraft } from './routes';
import { type Mutation, methodMutations, pathMutations, queryMutations } from './path-mutations';
import { framingMutations, headerMutations } from './header-mutations';
import { bodyMutations, memberMutations } from './body-mutations';

export { encodeLabel, mentionsVictim };
export type { CallerMode, HostileRequest };

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
