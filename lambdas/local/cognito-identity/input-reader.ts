/**
 * Reading a JSON 1.1 request of the local Cognito Identity: the body as a JSON object, and its
 * members checked against Cognito Identity's shapes.
 */
import { Errors } from '../../src/errors';
import { checkString, Constraint, memberPath, type StringRule, validationError, type Violation } from '../../src/protocol/validate';
import type { IncomingSignedRequest } from '../auth/sigv4';

export type Input = Record<string, unknown>;

/** Strict: a lenient decoder would turn bytes that are not UTF-8 into U+FFFD and store that. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function parseInput(request: IncomingSignedRequest): Input {
  let text: string;
  try {
    text = UTF8.decode(request.body).trim();
  } catch {
    throw Errors.serialization('The request body is not valid UTF-8.');
  }
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw Errors.serialization('The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw Errors.serialization('The request body must be a JSON object.');
  }
  return value as Input;
}

/**
 * Reads the members of a JSON 1.1 input: a wrong JSON type is a SerializationException at once, as
 * Coral's parser answers it; constraint violations are collected and reported together in the Coral
 * message that Cognito Sync's validation writes (protocol/validate.ts).
 */
export class InputReader {
  private readonly violations: Violation[] = [];

  constructor(private readonly input: Input) {}

  string(member: string, rule: StringRule, { required = false } = {}): string | undefined {
    const value = this.present(member, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw Errors.serialization(`${member} must be a string.`);
    checkString(value, rule, memberPath(member), this.violations);
    return value;
  }

  boolean(member: string, { required = false } = {}): boolean | undefined {
    const value = this.present(member, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw Errors.serialization(`${member} must be a boolean.`);
    return value;
  }

  /** An integer within `[min, max]` (Cognito Identity's QueryLimit is 1-60). */
  integer(member: string, min: number, max: number, { required = false } = {}): number | undefined {
    const value = this.present(member, required);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw Errors.serialization(`${member} must be an integer.`);
    const path = memberPath(member);
    if (value < min) this.violations.push({ path, value, constraint: Constraint.minValue(min) });
    if (value > max) this.violations.push({ path, value, constraint: `Member must have value less than or equal to ${max}` });
    return value;
  }

  done(): void {
    if (this.violations.length > 0) throw validationError(this.violations);
  }

  /** The member's value, `undefined` when absent or null (a violation when it is required). */
  private present(member: string, required: boolean): unknown {
    const value = this.input[member];
    if (value !== undefined && value !== null) return value;
    if (required) this.violations.push({ path: memberPath(member), value: null, constraint: Constraint.notNull });
    return undefined;
  }
}
