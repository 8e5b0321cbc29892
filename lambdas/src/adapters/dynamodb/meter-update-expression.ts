/**
 * The capacity meter's (capacity-meter.ts) model of a write: the action a Put, Update or Delete takes, and
 * an UpdateExpression applied to the shadowed item, so the meter knows the item after an update without
 * reading it back. Apart because expression parsing is its own job, unrelated to the billing rules.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AttributeMap } from './item-size';

export type WriteAction =
  | { kind: 'put'; key: AttributeMap; item: AttributeMap }
  | { kind: 'delete'; key: AttributeMap }
  | { kind: 'update'; key: AttributeMap; expression: string; names: Record<string, string>; values: AttributeMap };

/** Splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

const asNumber = (v: AttributeValue | undefined): number => Number(v?.N ?? 0);

/**
 * An UpdateExpression applied to an item, for the forms the store and most code use. Attribute paths are
 * taken at their top-level name; an operand the meter does not model takes the last value it names.
 */
export function applyUpdate(item: AttributeMap, action: Extract<WriteAction, { kind: 'update' }>, estimated: () => void): AttributeMap {
  const next: AttributeMap = { ...item };
  const name = (path: string): string => {
    const top = path.trim().split(/[.[]/)[0];
    return action.names[top] ?? top;
  };
  const operand = (text: string): AttributeValue | undefined => {
    const t = text.trim();
    if (t.startsWith(':')) return action.values[t];
    const ifNotExists = t.match(/^if_not_exists\s*\(\s*([^,]+),\s*(:\w+)\s*\)$/);
    if (ifNotExists) return next[name(ifNotExists[1])] ?? action.values[ifNotExists[2]];
    const arithmetic = t.match(/^(.+?)\s*([+-])\s*(.+)$/);
    if (arithmetic && !t.startsWith('list_append')) {
      const [a, b] = [operand(arithmetic[1]), operand(arithmetic[3])];
      return { N: String(asNumber(a) + (arithmetic[2] === '+' ? 1 : -1) * asNumber(b)) };
    }
    if (!t.startsWith(':') && !t.includes('(')) return next[name(t)];
    estimated();
    const placeholders = t.match(/:\w+/g) ?? [];
    return action.values[placeholders[placeholders.length - 1]];
  };
  // Clauses start with their keyword; names and placeholders cannot be keywords (they carry # or :).
  const clauses = action.expression.split(/\b(SET|REMOVE|ADD|DELETE)\b/i).map((s) => s.trim());
  for (let i = 1; i < clauses.length; i += 2) {
    const keyword = clauses[i].toUpperCase();
    for (const part of splitTopLevel(clauses[i + 1] ?? '')) {
      if (keyword === 'SET') {
        const eq = part.indexOf('=');
        const value = operand(part.slice(eq + 1));
        if (value !== undefined) next[name(part.slice(0, eq))] = value;
      } else if (keyword === 'REMOVE') {
        delete next[name(part)];
      } else {
        const [path, placeholder] = part.split(/\s+/);
        const target = name(path);
        const value = action.values[placeholder];
        const current = next[target];
        if (value?.N !== undefined) {
          next[target] = { N: String(asNumber(current) + (keyword === 'ADD' ? 1 : -1) * asNumber(value)) };
        } else if (value?.SS !== undefined) {
          const have = new Set(current?.SS ?? []);
          for (const s of value.SS) keyword === 'ADD' ? have.add(s) : have.delete(s);
          if (have.size > 0) next[target] = { SS: [...have] };
          else delete next[target];
        } else if (value?.NS !== undefined) {
          const have = new Set(current?.NS ?? []);
          for (const s of value.NS) keyword === 'ADD' ? have.add(s) : have.delete(s);
          if (have.size > 0) next[target] = { NS: [...have] };
          else delete next[target];
        } else if (value !== undefined) {
          estimated();
          next[target] = value;
        }
      }
    }
  }
  return next;
}
