/**
 * Request parsing: from the HTTP API event to the operation's input object, in the service model's
 * PascalCase member names (docs/behaviour.md#wire-protocol).
 *
 * Parsing only turns wire text into typed values; it does not apply the model's constraints (that is
 * `validate.ts`), so that every constraint violation is reported in one Coral-style message. What it
 * does reject, it rejects because the value cannot be represented at all:
 *
 * - a path label or query value that is not valid percent-encoding of UTF-8 (`%ZZ`, `%FF`, an
 *   encoded surrogate `%ED%A0%80`), a query integer that is not a decimal integer:
 *   `InvalidParameterException` (400). Coral decodes labels and query values into the members it
 *   then validates, so text that decodes to no string at all is a bad member, not a bad payload;
 * - a path with an empty, `.` or `..` segment: `UnknownOperationException` (404), see
 *   `assertCanonicalPath`;
 * - a body that is not UTF-8, not a JSON object, or a member of the wrong JSON type:
 *   `SerializationException` (400), with AWS's wording ("Unexpected value type in payload", "… can
 *   not be converted to a String").
 *
 * Strings that decode but are not well-formed Unicode (a JSON `"\ud800"`) are `validate.ts`'s.
 */
import { matchOperationPath, type MemberBinding, type OperationSpec } from '../operations';
import { Errors } from '../errors';
import { headerValue } from './headers';
import type { SyncHttpEvent } from './http-event';
import { formatValidationMessage } from './validate';

/** The parsed input of an operation before validation: model member name -> value. */
export type RawInput = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Path
// ---------------------------------------------------------------------------------------------

/**
 * The request path relative to the API. With a named (non-`$default`) stage, HTTP APIs put the stage
 * in `rawPath` (`/prod/identitypools/...`); routing must not depend on how the stack names its stage.
 */
export function requestPath(event: Pick<SyncHttpEvent, 'rawPath' | 'requestContext'>): string {
  const rawPath = event.rawPath ?? '';
  const stage = event.requestContext?.stage;
  if (stage && stage !== '$default' && rawPath.startsWith(`/${stage}/`)) {
    return rawPath.slice(stage.length + 1);
  }
  return rawPath;
}

/**
 * A segment that is `.` or `..`, raw or percent-encoded (`%2E`, `.%2e`, ...): RFC 3986 dot segments.
 */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * Refuses a path that SigV4 signers would not sign as sent. Signers (the clients' and ours) remove
 * `.` and `..` segments and empty segments before signing, while routing reads the path as sent: a
 * signature made for `/identities/I` would then be valid on `/identities/I/datasets/..`, an
 * operation the signer never saw. So a path whose normalized form differs from the raw one is
 * refused before its signature is looked at, and so is a segment that only decodes to a dot segment.
 *
 * The answer is 404 `UnknownOperationException`, what every other path that matches no route gets
 * (API Gateway routes on non-empty segments, and a `.` or `..` label names no dataset a client could
 * have created and signed for): a client can name it, and nothing runs.
 */
export function assertCanonicalPath(method: string, path: string): void {
  const segments = path.split('/');
  // segments[0] is what precedes the leading `/`; the last may be empty (a trailing `/`, which signers keep).
  const problem = segments[0] !== '' || segments.some((segment, i) => (segment === '' && i > 0 && i < segments.length - 1) || DOT_SEGMENT.test(segment));
  if (problem) {
    throw Errors.unknownOperation(
      `No operation matches ${method.toUpperCase()} ${elide(path)}: ` +
        "a path with an empty, '.' or '..' segment names no resource (signers would normalize it away)",
    );
  }
}

/**
 * Decodes one path label; clients percent-encode the `:` of every id. Escapes that do not
 * decode to UTF-8 (`%ZZ`, `%FF`, an encoded surrogate) are refused here: `decodeURIComponent` is
 * strict where URL parsers would substitute U+FFFD and so change what the client meant.
 */
export function decodeLabel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw Errors.invalidParameter(`Invalid percent-encoding in request path segment '${elide(raw)}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// Whole request
// ---------------------------------------------------------------------------------------------

/**
 * Builds the operation's input from the event: path labels, query parameters, the one header input,
 * and the JSON body. Unknown query parameters, headers and body members are ignored, as AWS does.
 */
export function parseRequest(op: OperationSpec, event: SyncHttpEvent): RawInput {
  const method = event.requestContext?.http?.method?.toUpperCase() ?? op.method;
  const path = requestPath(event);
  assertCanonicalPath(method, path);
  const labels = method === op.method ? matchOperationPath(op, path, decodeLabel) : undefined;
  // Only a misrouted event gets here (API Gateway and `dispatch` route on the same table).
  if (!labels) throw Errors.unknownOperation(`No operation matches ${method} ${elide(event.rawPath ?? '')}`);
  const input: RawInput = {};
  const bindings = Object.entries(op.input);
  const query = event.rawQueryString ?? '';
  // Operations without body members ignore the body: v2 sends `{}` there, v3 nothing, and a client
  // that sends anything else on a GET (old Android sets a JSON content type) must not be refused.
  const body = bindings.some(([, b]) => b.in === 'body') ? readJsonBody(event) : {};

  for (const [member, binding] of bindings) {
    const value = readMember(member, binding, labels, query, event, body);
    if (value !== undefined) input[member] = value;
  }
  return input;
}

function readMember(
  member: string,
  binding: MemberBinding,
  labels: Record<string, string>,
  query: string,
  event: SyncHttpEvent,
  body: Record<string, unknown>,
): unknown {
  switch (binding.in) {
    case 'path':
      return labels[member];
    case 'query': {
      const raw = queryValue(query, binding.name);
      // An empty value carries nothing; treating it as absent is kinder than a 400 for `?nextToken=`.
      if (raw === null || raw === '') return undefined;
      return binding.shape === 'IntegerString' || binding.shape === 'Long' ? parseQueryInteger(raw, binding.name) : raw;
    }
    case 'header':
      return header(event, binding.name);
    case 'body':
      return decodeBodyMember(body[member], binding.shape, member);
  }
}

/**
 * The first value of query parameter `name`, decoded as forms are (`+` is a space), or `null`.
 * Unlike `URLSearchParams`, which turns undecodable escapes into U+FFFD, a value that is not
 * percent-encoded UTF-8 is refused: a token or id silently changed would fail later and obscurely.
 * Parameters with other names are not looked at, as AWS ignores parameters it does not know.
 */
function queryValue(rawQuery: string, name: string): string | null {
  if (rawQuery === '') return null;
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    if (decodeFormComponent(rawName) !== name) continue;
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const value = decodeFormComponent(rawValue);
    if (value === undefined) {
      throw Errors.invalidParameter(`Invalid percent-encoding in query parameter '${name}': '${elide(rawValue)}'`);
    }
    return value;
  }
  return null;
}

function decodeFormComponent(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** A header value; payload 2.0 lower-cases names, the lookup does not rely on it. */
export const header = (event: Pick<SyncHttpEvent, 'headers'>, name: string): string | undefined => headerValue(event.headers, name);

/** Query integers arrive as decimal strings; ranges are `validate.ts`'s job. */
function parseQueryInteger(raw: string, name: string): number {
  const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw Errors.invalidParameter(formatValidationMessage([{ path: name, value: raw, constraint: 'Member must be an integer' }]));
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Body
// ---------------------------------------------------------------------------------------------

/**
 * The body as a JSON object. Clients differ: no body at all (v3), `{}` (v2), any of three
 * content types; so the content type is never looked at, and an empty body is an empty object.
 */
function readJsonBody(event: Pick<SyncHttpEvent, 'body' | 'isBase64Encoded'>): Record<string, unknown> {
  if (event.body === undefined || event.body === null) return {};
  let text = event.isBase64Encoded ? decodeUtf8(Buffer.from(event.body, 'base64')) : event.body;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw Errors.serialization(`Request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(parsed)) {
    throw Errors.serialization(`Request body must be a JSON object, got ${kindOf(parsed)}`);
  }
  return parsed;
}

/** Strict: a lenient decoder would store U+FFFD in place of the bytes the client sent. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A body's bytes as text. API Gateway base64-encodes a body it cannot pass as text (and the local
 * server does the same for bytes that are not UTF-8), so this is where invalid UTF-8 is caught.
 */
function decodeUtf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw Errors.serialization('Request body is not valid UTF-8');
  }
}

type BodyShape = Extract<MemberBinding, { in: 'body' }>['shape'];

function decodeBodyMember(value: unknown, shape: BodyShape, path: string): unknown {
  switch (shape) {
    case 'RecordPatches':
      return decodeRecordPatches(value, path);
    case 'PushSync':
      return decodeStructure(value, path, {
        ApplicationArns: (v, p) => decodeList(v, p, decodeString),
        RoleArn: decodeString,
      });
    case 'CognitoStreams':
      return decodeStructure(value, path, {
        StreamName: decodeString,
        RoleArn: decodeString,
        StreamingStatus: decodeString,
      });
    case 'Events':
      return decodeStringMap(value, path);
    case 'IntegerString':
    case 'Long':
      return decodeLong(value, path);
    default:
      // Every other shape of the table is a string on the wire.
      return decodeString(value, path);
  }
}

type Decoder = (value: unknown, path: string) => unknown;

/** JSON `null` is "no value" for every member: AWS's own examples send `"NextToken": null`. */
const absent = (value: unknown): value is null | undefined => value === null || value === undefined;

function decodeString(value: unknown, path: string): string | undefined {
  if (absent(value)) return undefined;
  if (typeof value !== 'string') throw wrongType(value, 'String', path);
  return value;
}

/** Integral JSON numbers; a decimal string too, because lenient clients (iOS) stringify numbers. */
function decodeLong(value: unknown, path: string): number | undefined {
  if (absent(value)) return undefined;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) n = Number(value);
  else throw wrongType(value, 'Long', path);
  if (!Number.isSafeInteger(n)) {
    throw Errors.serialization(`Unexpected value type in payload at '${path}': ${elide(String(value))} can not be converted to a Long`);
  }
  return n;
}

const NUMERIC_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * Timestamps are epoch seconds as a JSON number, possibly fractional or in exponent notation
 * (`1.4e9`); a numeric string is accepted because the iOS model formats dates with `%f`.
 * Milliseconds are the finest unit a `Date` holds, hence the rounding.
 */
export function decodeTimestamp(value: unknown, path: string): Date | undefined {
  if (absent(value)) return undefined;
  let seconds: number;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && NUMERIC_TEXT.test(value)) seconds = Number(value);
  else throw wrongType(value, 'Timestamp', path);
  const date = new Date(Math.round(seconds * 1000));
  if (!Number.isFinite(seconds) || Number.isNaN(date.getTime())) {
    throw Errors.serialization(`Unexpected value type in payload at '${path}': ${elide(String(value))} can not be converted to a Timestamp`);
  }
  return date;
}

function decodeList<T>(value: unknown, path: string, item: (v: unknown, p: string) => T): T[] | undefined {
  if (absent(value)) return undefined;
  if (!Array.isArray(value)) throw wrongType(value, 'List', path);
  return value.map((v, i) => {
    const p = `${path}[${i}]`;
    // A null inside a list is not "no value": the model's lists are dense.
    if (v === null) throw Errors.serialization(`Unexpected value type in payload at '${p}': null is not allowed in a list`);
    return item(v, p);
  });
}

function decodeStructure(value: unknown, path: string, members: Readonly<Record<string, Decoder>>): Record<string, unknown> | undefined {
  if (absent(value)) return undefined;
  if (!isPlainObject(value)) throw wrongType(value, 'Structure', path);
  const out: Record<string, unknown> = {};
  for (const [name, decode] of Object.entries(members)) {
    const v = decode(value[name], `${path}.${name}`);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function decodeStringMap(value: unknown, path: string): Record<string, string> | undefined {
  if (absent(value)) return undefined;
  if (!isPlainObject(value)) throw wrongType(value, 'Map', path);
  // A null-prototype object, so that a key named `__proto__` is data like any other.
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw wrongType(v, 'String', `${path}.${k}`);
    out[k] = v;
  }
  return out;
}

/** What a RecordPatch looks like after parsing and before validation (`Op` not yet checked). */
interface ParsedRecordPatch {
  Op?: string;
  Key?: string;
  Value?: string;
  SyncCount?: number;
  DeviceLastModifiedDate?: Date;
}

function decodeRecordPatches(value: unknown, path: string): ParsedRecordPatch[] | undefined {
  return decodeList(
    value,
    path,
    (v, p) =>
      decodeStructure(v, p, {
        Op: decodeString,
        Key: decodeString,
        Value: decodeString,
        SyncCount: decodeLong,
        DeviceLastModifiedDate: decodeTimestamp,
      }) as ParsedRecordPatch,
  );
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSON token kind, in the vocabulary of AWS's deserialization messages. */
function kindOf(v: unknown): string {
  if (v === null) return 'NULL_VALUE';
  if (Array.isArray(v)) return 'LIST_VALUE';
  switch (typeof v) {
    case 'string':
      return 'STRING_VALUE';
    case 'number':
      return 'NUMBER_VALUE';
    case 'boolean':
      return 'BOOLEAN_VALUE';
    default:
      return 'STRUCTURE_VALUE';
  }
}

function wrongType(value: unknown, target: string, path: string) {
  return Errors.serialization(`Unexpected value type in payload at '${path}': ${kindOf(value)} can not be converted to a ${target}`);
}

/** Keeps messages (and the error header) small whatever the client sent. */
function elide(s: string): string {
  return s.length > 256 ? `${s.slice(0, 64)}...` : s;
}
