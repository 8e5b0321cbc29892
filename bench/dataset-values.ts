/**
 * Record keys and values for the cost bench, of an exact size, in two kinds:
 * - `app-state`: what Cognito Sync datasets hold, app preferences and game state (settings, scores,
 *   inventories, flags), JSON values built from a fixed seed with varied keys, words and numbers.
 *   It compresses about as well as such data does in practice, no better: every value differs.
 * - `incompressible`: random base64 values (the worst case for a compressed item: encrypted or
 *   already compressed blobs), from the same seeded generator.
 * A repeated pad (what the bench used before) would flatter compression absurdly; neither kind repeats.
 */

/** Mulberry32: a small seeded PRNG, so that every run of the bench stores the same bytes. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type ValueKind = 'app-state' | 'incompressible';

const SECTIONS = ['settings', 'profile', 'game', 'inventory', 'progress', 'ui', 'audio', 'social', 'stats', 'prefs'];
const WORDS = (
  'alpha amber anchor apple arrow autumn badge banner beacon berry blaze bloom bolt breeze bridge bronze canyon castle cedar ' +
  'cherry cinder cloud comet copper coral crystal dawn delta desert dragon drift eagle echo ember falcon fern flame forest ' +
  'frost galaxy garnet ghost glacier golden granite harbor hawk hazel horizon island ivory jade jungle karma lagoon lantern ' +
  'lemon lotus lunar magma maple marble meadow mirage moss nebula nova oasis ocean onyx orbit pearl pepper phoenix pine ' +
  'planet plasma prism pulse quartz quest radar raven reef ripple river rocket ruby saffron sage shadow silver sky solar ' +
  'spark spice spirit storm summit sunset tango thunder tiger topaz torch tundra valley velvet violet vortex willow wolf zephyr'
).split(' ');
const FIELDS = ['level', 'score', 'xp', 'volume', 'theme', 'lang', 'color', 'count', 'best', 'last', 'enabled', 'slot', 'mode', 'rank', 'id'];

/** A record key: a section and a word, with the record's index so that keys never collide. */
export function recordKey(i: number): string {
  return `${SECTIONS[i % SECTIONS.length]}.${WORDS[(i * 7) % WORDS.length]}${i}`;
}

/** A value of exactly `bytes` UTF-8 bytes (ASCII), for record `i` at `round`. */
export function recordValue(kind: ValueKind, i: number, round: number, bytes: number): string {
  const random = seededRandom((i + 1) * 7919 + round * 104729);
  if (kind === 'incompressible') {
    const raw = Buffer.alloc(bytes);
    for (let k = 0; k < bytes; k++) raw[k] = Math.floor(random() * 256);
    return raw.toString('base64').slice(0, bytes);
  }
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const field = (): [string, unknown] => {
    const name = pick(FIELDS);
    const r = random();
    if (r < 0.35) return [name, Math.floor(random() * 100000)];
    if (r < 0.5) return [name, Math.round(random() * 10000) / 100];
    if (r < 0.6) return [name, random() < 0.5];
    if (r < 0.7) return [name, 1_700_000_000_000 + Math.floor(random() * 1e10)];
    return [name, `${pick(WORDS)}${random() < 0.3 ? `-${pick(WORDS)}` : ''}`];
  };
  const entries: [string, unknown][] = [];
  let text = '{}';
  for (;;) {
    const [name, v] = field();
    const next = JSON.stringify(Object.fromEntries([...entries, [`${name}${entries.length}`, v]]));
    if (next.length > bytes - 12) break;
    entries.push([`${name}${entries.length}`, v]);
    text = next;
  }
  // Fill the rest with a note of words, cut to the exact size (a string field keeps it JSON-like).
  let note = '';
  while (note.length < bytes) note += `${pick(WORDS)} `;
  const head = entries.length > 0 ? `${text.slice(0, -1)},"note":"` : '{"note":"';
  const room = bytes - head.length - 2;
  return room > 0 ? `${head}${note.slice(0, room)}"}` : text.padEnd(bytes, ' ').slice(0, bytes);
}
