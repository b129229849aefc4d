import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The audit chain (format in CHAIN.md beside this file). Each event of a tenant is linked to the
 * one before it:
 *
 *   canonical = RFC 8785 (JCS) JSON of { tenantId, seq, at, actorType, actorId, action,
 *               subjectType, subjectId, details, dataSubjectId, sealed, prevHash }
 *   hash      = hex(SHA-256(prevHash ‖ "\n" ‖ canonical))
 *
 * with `prevHash` of the first event (seq 1) = 64 zeros. `at` is the stored timestamp in UTC with
 * exactly six fractional digits (PostgreSQL keeps microseconds), so the hash covers the value the
 * database holds, to the microsecond. Editing any field, removing or reordering an event breaks
 * the chain at that point.
 */
export const GENESIS_HASH = '0'.repeat(64);

export type AuditDetails = Record<string, string | number | boolean | null>;

/** The hashed fields of one event, as stored. */
export interface ChainedEvent {
  tenantId: string;
  seq: number;
  /** `chainTimestamp(date)`: YYYY-MM-DDTHH:MM:SS.ffffffZ */
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  details: AuditDetails;
  dataSubjectId: string | null;
  sealed: string | null;
  prevHash: string;
}

/** The instant as the chain writes it: ISO 8601 UTC with microseconds (a JS Date has whole milliseconds). */
export function chainTimestamp(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/** `to_char` pattern that renders a stored `at` exactly as `chainTimestamp` does. */
export const CHAIN_TIMESTAMP_SQL = `to_char("at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The reference canonical form: the `canonicalize` package (RFC 8785). */
export function canonicalEventReference(event: ChainedEvent): string {
  const canonical = canonicalize({
    tenantId: event.tenantId,
    seq: event.seq,
    at: event.at,
    actorType: event.actorType,
    actorId: event.actorId,
    action: event.action,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    details: event.details,
    dataSubjectId: event.dataSubjectId,
    sealed: event.sealed,
    prevHash: event.prevHash,
  });
  if (canonical === undefined) throw new TypeError('audit event has no JSON form');
  return canonical;
}

/**
 * Surrogates need RFC 8785's checks (a lone one is refused). JSON.stringify leaves a pair as is and
 * writes a lone one as a \\udXXX escape, so either shows in its output; such events take the
 * reference path (a literal backslash-u-d in a value also does, harmlessly).
 */
const NEEDS_REFERENCE = /[\uD800-\uDFFF]|\\ud/i;
// Only these characters change under JSON string escaping; ids, states and hashes have none of them.
const ESCAPED = /["\\\u0000-\u001f\u007f-\uffff]/;
const str = (value: string): string => (ESCAPED.test(value) ? JSON.stringify(value) : `"${value}"`);
const strOrNull = (value: string | null): string => (value === null ? 'null' : str(value));

/** RFC 8785 for a flat details object (string, finite number, boolean, null), or undefined when it is not one. */
function flatDetails(details: AuditDetails): string | undefined {
  const keys = Object.keys(details);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = details[key];
    let rendered: string;
    if (typeof value === 'string') rendered = str(value);
    else if (typeof value === 'number' && Number.isFinite(value)) rendered = String(value);
    else if (typeof value === 'boolean' || value === null) rendered = String(value);
    else return undefined;
    out += `${i === 0 ? '' : ','}${str(key)}:${rendered}`;
  }
  return `${out}}`;
}

/**
 * The canonical form, built directly for this fixed shape: keys in RFC 8785 order (UTF-16 code
 * units), strings and numbers as ECMAScript serializes them, which is what RFC 8785 specifies.
 * Verifying a million events spends most of its time here, and the generic serializer is several
 * times slower. Anything unusual takes the reference path; a unit test holds both equal.
 */
export function canonicalEvent(event: ChainedEvent): string {
  const details = flatDetails(event.details);
  if (details === undefined || !Number.isSafeInteger(event.seq)) return canonicalEventReference(event);
  const out =
    `{"action":${str(event.action)},"actorId":${strOrNull(event.actorId)},"actorType":${str(event.actorType)},"at":${str(event.at)},` +
    `"dataSubjectId":${strOrNull(event.dataSubjectId)},"details":${details},"prevHash":${str(event.prevHash)},"sealed":${strOrNull(event.sealed)},` +
    `"seq":${event.seq},"subjectId":${str(event.subjectId)},"subjectType":${str(event.subjectType)},"tenantId":${str(event.tenantId)}}`;
  return NEEDS_REFERENCE.test(out) ? canonicalEventReference(event) : out;
}

export function linkHash(prevHash: string, canonical: string): string {
  return hash('sha256', `${prevHash}\n${canonical}`, 'hex');
}

export function eventHash(event: ChainedEvent): string {
  return linkHash(event.prevHash, canonicalEvent(event));
}

/** The hash by the reference serializer: a second opinion before a link is reported broken. */
export function eventHashReference(event: ChainedEvent): string {
  return linkHash(event.prevHash, canonicalEventReference(event));
}
