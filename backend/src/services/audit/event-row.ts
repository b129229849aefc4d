import type { AuditDetails, ChainedEvent } from './chain.js';

/**
 * A stored event as verification reads it: the columns' text exactly as PostgreSQL writes it (the
 * session in UTC with DateStyle ISO), one Buffer per column, null for NULL. Nothing is decoded
 * unless the string path needs it.
 */
export const EVENT_COLUMNS = ['seq', 'at', 'actor_type', 'actor_id', 'action', 'subject_type', 'subject_id', 'details', 'data_subject_id', 'sealed', 'prev_hash', 'hash'] as const;
/** Position of each column in a row. */
export const F = { seq: 0, at: 1, actorType: 2, actorId: 3, action: 4, subjectType: 5, subjectId: 6, details: 7, dataSubjectId: 8, sealed: 9, prevHash: 10, hash: 11 } as const;
export type EventRow = (Buffer | null)[];

/** A tenant's chained events after `$2`, in seq order, at most `$3`. */
export const EVENTS_AFTER_SQL = `SELECT ${EVENT_COLUMNS.join(', ')} FROM audit_events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`;

/** An int8's text as a number (NaN when it is not an integer). */
export function int8Text(text: Buffer): number {
  const from = text[0] === 0x2d ? 1 : 0;
  const digits = text.length - from;
  if (digits < 1) return Number.NaN;
  if (digits > 15) return Number(text.toString('latin1'));
  let value = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c < 0x30 || c > 0x39) return Number.NaN;
    value = value * 10 + (c - 0x30);
  }
  return from === 1 ? -value : value;
}

/** PostgreSQL's UTC text form ("2026-03-01 10:20:30.456+00") as the chain writes it ("…T10:20:30.456000Z"). */
export function chainAt(text: string): string {
  const plus = text.lastIndexOf('+');
  const body = plus === -1 ? text : text.slice(0, plus);
  const dot = body.indexOf('.', 10);
  const seconds = dot === -1 ? body : body.slice(0, dot);
  const fraction = dot === -1 ? '' : body.slice(dot + 1);
  return `${seconds.replace(' ', 'T')}.${fraction.padEnd(6, '0')}Z`;
}

/** The row as an event of strings, for the serializers of chain.ts (the string path). */
export function eventOfRow(row: EventRow, tenantId: string, seq: number): ChainedEvent {
  const text = (field: number) => row[field]?.toString('utf8') ?? null;
  return {
    tenantId,
    seq,
    at: chainAt(text(F.at)!),
    actorType: text(F.actorType)!,
    actorId: text(F.actorId),
    action: text(F.action)!,
    subjectType: text(F.subjectType)!,
    subjectId: text(F.subjectId)!,
    details: JSON.parse(text(F.details)!) as AuditDetails,
    dataSubjectId: text(F.dataSubjectId),
    sealed: text(F.sealed),
    prevHash: text(F.prevHash)!,
  };
}
