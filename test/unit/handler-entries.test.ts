/**
 * lambdas/src/handlers/ holds the functions' entry points and nothing else, each named after what it
 * serves: one `<Operation>.ts` per entry of the operation table, and `UnknownRoute.ts` for the API's
 * `$default` route. The stack finds them by that name (lib/bundling.ts `handlerEntry`), so a helper
 * put there would look like a function, and a renamed entry would leave a function without code.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { handlerEntry, UNKNOWN_ROUTE } from '../../lib/bundling';
import { OPERATION_NAMES } from '../../lambdas/src/operations';

const HANDLERS_DIR = path.join(__dirname, '..', '..', 'lambdas', 'src', 'handlers');
const ENTRIES: readonly Parameters<typeof handlerEntry>[0][] = [...OPERATION_NAMES, UNKNOWN_ROUTE];

describe('the entry points folder', () => {
  it('holds one entry per operation and the unknown route, nothing else', () => {
    const expected = ENTRIES.map((name) => path.basename(handlerEntry(name))).sort();
    expect(readdirSync(HANDLERS_DIR).sort()).toEqual(expected);
  });

  it('exports only the handler from each entry', async () => {
    for (const name of ENTRIES) {
      const entry: Record<string, unknown> = await import(handlerEntry(name));
      const exported = Object.keys(entry).filter((key) => key !== 'default' && key !== '__esModule');
      expect(exported, name).toEqual(['handler']);
      expect(typeof entry.handler, name).toBe('function');
    }
  });
});
