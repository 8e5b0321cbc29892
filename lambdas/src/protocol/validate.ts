/**
 * Validation of an operation's parsed input against the shape constraints of the service model
 * (docs/behaviour.md#limits), reported the way AWS's Coral front end reports them
 * (docs/behaviour.md#errors):
 *
 *   InvalidParameterException (400)
 *   1 validation error detected: Value 'x' at 'identityPoolId' failed to satisfy constraint: Member must ...
 *
 * Every violation of the request is collected, so the count and the list are those of the whole
 * request, not of the first bad member.
 *
 * This is the one Coral message builder: the local Cognito Identity subset (lambdas/local/) checks
 * its inputs with `checkString` and reports them with `validationError` too.
 *
 * Two decisions the model leaves open:
 * - Patterns are matched against the whole value (anchored). Smithy patterns are not anchored by
 *   definition, but Coral's validators match the whole value, and an unanchored `[\w-]+:[0-9a-f-]+`
 *   would accept almost anything containing a colon.
 * - Lengths are counted in UTF-16 code units (JS `String.length`). Coral is Java, whose
 *   `String.length()` counts the same units, so a value at a limit is judged as the real service did.
 * - Every string of the input, whatever its shape (ids, names, keys, values, tokens, map keys), must
 *   be well-formed Unicode: a lone surrogate (`"\ud800"` in JSON) has no UTF-8 form, so it would be
 *   stored as U+FFFD and collide with other keys (`"k\ud800"` and `"k\udc00"` would be one record).
 */
import type { OperationSpec } from '../operations';
import { Errors, type SyncError } from '../errors';
import { firstDuplicate } from '../common/duplicates';

export interface Violation {
  /** Coral member path: lowerCamel names, list items as `<list>.<1-based index>.member`. */
  readonly path: string;
  readonly value: unknown;
  readonly constraint: string;
}

/** Longest value echoed whole in a message; a longer one is cut to its first 64 characters. */
export const MAX_ECHOED_VALUE_LENGTH = 256;

/** A message lists at most this many violations (the count stays exact): 1,024 bad patches must not make a megabyte error. */
export const MAX_LISTED_VIOLATIONS = 32;

export interface StringRule {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
}

/** The string constraints of the service model, keyed by shape name. Patterns exactly as in the model. */
export const STRING_RULES = {
  IdentityPoolId: { min: 1, max: 55, pattern: String.raw`[\w-]+:[0-9a-f-]+` },
  IdentityId: { min: 1, max: 55, pattern: String.raw`[\w-]+:[0-9a-f-]+` },
  DatasetName: { min: 1, max: 128, pattern: '[a-zA-Z0-9_.:-]+' },
  DeviceId: { min: 1, max: 256 },
  RecordKey: { min: 1, max: 1024 },
  RecordValue: { max: 1048575 },
  Operation: { enum: ['replace', 'remove'] },
  Platform: { enum: ['APNS', 'APNS_SANDBOX', 'GCM', 'ADM'] },
  AssumeRoleArn: { min: 20, max: 2048, pattern: String.raw`arn:aws:iam::\d+:role/.*` },
  ApplicationArn: { pattern: String.raw`arn:aws:sns:[-0-9a-z]+:\d+:app/[A-Z_]+/[a-zA-Z0-9_.-]+` },
  StreamName: { min: 1, max: 128 },
  StreamingStatus: { enum: ['ENABLED', 'DISABLED'] },
} as const satisfies Record<string, StringRule>;

export type StringShape = keyof typeof STRING_RULES;

/** Events map: at most one entry (the model's constraint). */
const MAX_EVENTS = 1;

const compiled = new Map<string, RegExp>();

/**
 * `^(?:…)$` without the `m` flag: `$` matches only at the very end, so a trailing newline is not
 * forgiven. Without the `u` flag, `\w` and `\d` are ASCII-only, as in Java.
 */
function anchored(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, re);
  }
  return re;
}

export const Constraint = {
  notNull: 'Member must not be null',
  wellFormed: 'Member must be well-formed Unicode (no unpaired surrogate)',
  minLength: (n: number) => `Member must have length greater than or equal to ${n}`,
  maxLength: (n: number) => `Member must have length less than or equal to ${n}`,
  pattern: (p: string) => `Member must satisfy regular expression pattern: ${p}`,
  enumSet: (values: readonly string[]) => `Member must satisfy enum value set: [${values.join(', ')}]`,
  minValue: (n: number) => `Member must have value greater than or equal to ${n}`,
} as const;

/** Checks one string against a rule; `undefined` is checked by the caller (required or not). */
export function checkString(value: string, rule: StringRule, path: string, out: Violation[]): void {
  if (rule.min !== undefined && value.length < rule.min) out.push({ path, value, constraint: Constraint.minLength(rule.min) });
  if (rule.max !== undefined && value.length > rule.max) out.push({ path, value, constraint: Constraint.maxLength(rule.max) });
  if (rule.pattern !== undefined && !anchored(rule.pattern).test(value)) {
    out.push({ path, value, constraint: Constraint.pattern(rule.pattern) });
  }
  if (rule.enum !== undefined && !rule.enum.includes(value)) out.push({ path, value, constraint: Constraint.enumSet(rule.enum) });
}

/** A UTF-16 surrogate not part of a pair: with the `u` flag a pair is one code point and does not match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const LONE_SURROGATES = /[\uD800-\uDFFF]/gu;

/** True when `text` has a UTF-8 form (no lone surrogate); `String.prototype.isWellFormed` is not in ES2022. */
export const isWellFormedUnicode = (text: string): boolean => !LONE_SURROGATE.test(text);

/** The value as echoed in a message: each lone surrogate spelled `\uD800`, so the message itself is well-formed. */
const spellLoneSurrogates = (text: string): string => text.replace(LONE_SURROGATES, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Reports every string inside `value` (list items, structure members, map keys and values) that is
 * not well-formed Unicode. Paths follow Coral's: `<list>.<1-based index>.member`, `<structure>.<member>`.
 */
export function checkWellFormed(value: unknown, path: string, out: Violation[]): void {
  if (typeof value === 'string') {
    if (!isWellFormedUnicode(value)) out.push({ path, value: spellLoneSurrogates(value), constraint: Constraint.wellFormed });
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkWellFormed(item, `${path}.${i + 1}.member`, out);
  } else if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      // Structures carry only the model's member names; a map (Events) carries the client's keys.
      if (!isWellFormedUnicode(key)) out.push({ path, value: spellLoneSurrogates(key), constraint: Constraint.wellFormed });
      checkWellFormed(item, `${path}.${memberPath(key)}`, out);
    }
  }
}

/** `IdentityPoolId` -> `identityPoolId`, as Coral names members in its messages. */
export const memberPath = (member: string): string => member.charAt(0).toLowerCase() + member.slice(1);

/** All constraint violations of an operation's input, in table order. */
export function findViolations(op: OperationSpec, input: Readonly<Record<string, unknown>>): Violation[] {
  const out: Violation[] = [];
  for (const [member, binding] of Object.entries(op.input)) {
    const path = memberPath(member);
    const value = input[member];
    if (value === undefined || value === null) {
      // Path labels are required by the model; body members say so in the table.
      if (binding.in === 'path' || (binding.in === 'body' && binding.required)) {
        out.push({ path, value: null, constraint: Constraint.notNull });
      }
      continue;
    }
    switch (binding.shape) {
      case 'IdentityPoolId':
      case 'IdentityId':
      case 'DatasetName':
      case 'DeviceId':
      case 'Platform':
        checkString(value as string, STRING_RULES[binding.shape], path, out);
        break;
      case 'IntegerString':
        // MaxResults below 1 is refused; above the maximum it is lowered (docs/decisions.md#page-sizes).
        if ((value as number) < 1) out.push({ path, value, constraint: Constraint.minValue(1) });
        break;
      case 'Long':
        if ((value as number) < 0) out.push({ path, value, constraint: Constraint.minValue(0) });
        break;
      case 'RecordPatches':
        checkRecordPatches(value as readonly Record<string, unknown>[], path, out);
        break;
      case 'PushSync':
        checkPushSync(value as Record<string, unknown>, path, out);
        break;
      case 'CognitoStreams':
        checkCognitoStreams(value as Record<string, unknown>, path, out);
        break;
      case 'Events':
        if (Object.keys(value as object).length > MAX_EVENTS) {
          out.push({ path, value, constraint: Constraint.maxLength(MAX_EVENTS) });
        }
        break;
      case 'String':
      case 'PushToken':
        break;
    }
    checkWellFormed(value, path, out);
  }
  return out;
}

function checkRecordPatches(patches: readonly Record<string, unknown>[], path: string, out: Violation[]): void {
  patches.forEach((patch, i) => {
    const at = (m: string) => `${path}.${i + 1}.member.${m}`;
    // Members in model order: Op, Key, Value, SyncCount, DeviceLastModifiedDate.
    if (patch.Op === undefined) out.push({ path: at('op'), value: null, constraint: Constraint.notNull });
    else checkString(patch.Op as string, STRING_RULES.Operation, at('op'), out);
    if (patch.Key === undefined) out.push({ path: at('key'), value: null, constraint: Constraint.notNull });
    else checkString(patch.Key as string, STRING_RULES.RecordKey, at('key'), out);
    if (patch.Value !== undefined) checkString(patch.Value as string, STRING_RULES.RecordValue, at('value'), out);
    if (patch.SyncCount === undefined) out.push({ path: at('syncCount'), value: null, constraint: Constraint.notNull });
    else if ((patch.SyncCount as number) < 0) out.push({ path: at('syncCount'), value: patch.SyncCount, constraint: Constraint.minValue(0) });
  });
}

function checkPushSync(value: Record<string, unknown>, path: string, out: Violation[]): void {
  const arns = value.ApplicationArns as readonly string[] | undefined;
  for (const [i, arn] of (arns ?? []).entries()) checkString(arn, STRING_RULES.ApplicationArn, `${path}.applicationArns.${i + 1}.member`, out);
  if (value.RoleArn !== undefined) checkString(value.RoleArn as string, STRING_RULES.AssumeRoleArn, `${path}.roleArn`, out);
}

function checkCognitoStreams(value: Record<string, unknown>, path: string, out: Violation[]): void {
  if (value.StreamName !== undefined) checkString(value.StreamName as string, STRING_RULES.StreamName, `${path}.streamName`, out);
  if (value.RoleArn !== undefined) checkString(value.RoleArn as string, STRING_RULES.AssumeRoleArn, `${path}.roleArn`, out);
  if (value.StreamingStatus !== undefined) {
    checkString(value.StreamingStatus as string, STRING_RULES.StreamingStatus, `${path}.streamingStatus`, out);
  }
}

/** A value as Coral prints it: strings bare, lists `[a, b]`, maps `{k=v}` (Java's toString). */
function display(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.map(display).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${display(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Cuts a long value: AWS echoes values whole, but a 1 MB record value must not come back in an error. */
export function elideValue(text: string): string {
  return text.length > MAX_ECHOED_VALUE_LENGTH ? `${text.slice(0, 64)}...` : text;
}

function describe(v: Violation): string {
  const value = v.value === null || v.value === undefined ? 'null' : `'${elideValue(display(v.value))}'`;
  return `Value ${value} at '${v.path}' failed to satisfy constraint: ${v.constraint}`;
}

/** `N validation error(s) detected: <violation>; <violation>` */
export function formatValidationMessage(violations: readonly Violation[]): string {
  const n = violations.length;
  const listed = violations.slice(0, MAX_LISTED_VIOLATIONS).map(describe);
  if (n > MAX_LISTED_VIOLATIONS) listed.push(`(${n - MAX_LISTED_VIOLATIONS} more not shown)`);
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${listed.join('; ')}`;
}

export function validationError(violations: readonly Violation[]): SyncError {
  return Errors.invalidParameter(formatValidationMessage(violations));
}

/**
 * Throws `InvalidParameterException` for the first problem class found: constraint violations (all of
 * them, in one message), then duplicate record keys
 * (docs/decisions.md#empty-duplicate-and-oversized-updates), which only make sense to look for once
 * every key is a valid key.
 */
export function validateInput(op: OperationSpec, input: Readonly<Record<string, unknown>>): void {
  const violations = findViolations(op, input);
  if (violations.length > 0) throw validationError(violations);
  const patches = input.RecordPatches;
  if (Array.isArray(patches)) {
    const duplicate = firstDuplicate((patches as readonly { Key: string }[]).map((patch) => patch.Key));
    if (duplicate !== undefined) throw Errors.invalidParameter(`Duplicate record key in RecordPatches: ${elideValue(duplicate)}`);
  }
}
