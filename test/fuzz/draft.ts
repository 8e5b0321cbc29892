/**
 * The fuzzer's vocabulary, shared by every part of the hostile request generator (generator.ts): who a
 * request acts for (caller mode, subject), the draft a request is before it goes on the wire, the context
 * each step draws from, and the label encoding every path uses. Apart so that the route catalogue, the
 * mutations and the callers can each import it without importing one another.
 */
import type { Rng } from './prng';
import type { SigningCredentials } from './sign';
import type { WireRequest } from './wire';
import type { Party, PartyDataset, World } from './world';

export type CallerMode = 'developer' | 'own-identity' | 'identity-on-victim' | 'unsigned-on-victim' | 'bad-signature-on-victim';

export interface HostileRequest {
  readonly index: number;
  /** Operation, caller and mutations, for the report. */
  readonly description: string;
  readonly wire: WireRequest;
}

/** Whose data a request names. Made-up identities belong to nobody. */
export interface Subject {
  readonly label: string;
  readonly pool: string;
  readonly identityId: string;
  readonly datasets: readonly PartyDataset[];
  readonly credentials?: SigningCredentials;
}

export type Framing = 'content-length' | 'chunked' | 'short-content-length' | 'te-and-cl' | 'double-content-length' | 'none';

/** A request before it is put on the wire: mutations edit this. */
export interface Draft {
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

export interface Context {
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
