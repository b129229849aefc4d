import { stringify } from 'csv-stringify/sync';
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client.js';
import type { MasterKeys } from '../../ports/master-keys.js';
import { CHAIN_TIMESTAMP_SQL, type AuditDetails, type ChainedEvent } from './chain.js';
import { rowsOf } from './record.js';
import { sealOpener, type OpenedPersonalData } from './seal.js';

export const auditExportFormats = ['jsonl', 'csv'] as const;
export type AuditExportFormat = (typeof auditExportFormats)[number];

/**
 * An ISO 8601 instant PostgreSQL can store: ISO allows year 0000 and offsets up to ±23:59, the
 * database refuses both, and the export would fail after its answer had begun.
 */
const storableInstant = z.iso
  .datetime({ offset: true })
  .refine((text) => Number(text.slice(0, 4)) >= 1, 'the year must be 0001 or later')
  .refine((text) => Number(/([+-])(\d\d):?\d\d$/.exec(text)?.[2] ?? 0) <= 15, 'the offset from UTC must be within ±15:59');

/** Which events an export holds. Every filter is optional; `to` is exclusive. */
export const auditExportFilters = z.object({
  from: storableInstant.optional(),
  to: storableInstant.optional(),
  action: z.string().min(1).max(100).optional(),
  subjectType: z.string().min(1).max(100).optional(),
  subjectId: z.string().min(1).max(200).optional(),
  actorId: z.string().min(1).max(200).optional(),
});
export type AuditExportFilters = z.infer<typeof auditExportFilters>;

export interface AuditExportOptions {
  format: AuditExportFormat;
  filters: AuditExportFilters;
  /** Open sealed personal data (needs the subject keys); otherwise only the sealed text is exported. */
  openPersonal?: boolean;
  batchSize?: number;
}

/** One exported event. `personal` is present only when opening was asked for and the event has a seal. */
export interface ExportedEvent extends Omit<ChainedEvent, 'tenantId' | 'seq' | 'prevHash'> {
  id: number;
  /** Null for events written before the chain existed. */
  seq: number | null;
  personal?: Record<string, string> | 'erased' | 'unreadable';
  prevHash: string | null;
  hash: string | null;
}

interface Row {
  id: string | number;
  seq: string | number | null;
  at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  details: string;
  data_subject_id: string | null;
  sealed: string | null;
  prev_hash: string | null;
  hash: string | null;
}

const CSV_COLUMNS = ['id', 'seq', 'at', 'actor_type', 'actor_id', 'action', 'subject_type', 'subject_id', 'details', 'data_subject_id', 'personal', 'sealed', 'prev_hash', 'hash'];

function whereOf(tenantId: string, filters: AuditExportFilters, afterId: number): SQL {
  const conditions: SQL[] = [sql`tenant_id = ${tenantId}::uuid`, sql`id > ${afterId}`];
  if (filters.from) conditions.push(sql`at >= ${filters.from}::timestamptz`);
  if (filters.to) conditions.push(sql`at < ${filters.to}::timestamptz`);
  if (filters.action) conditions.push(sql`action = ${filters.action}`);
  if (filters.subjectType) conditions.push(sql`subject_type = ${filters.subjectType}`);
  if (filters.subjectId) conditions.push(sql`subject_id = ${filters.subjectId}`);
  if (filters.actorId) conditions.push(sql`actor_id = ${filters.actorId}`);
  return sql.join(conditions, sql` AND `);
}

function personalOf(opened: OpenedPersonalData): ExportedEvent['personal'] {
  return opened.state === 'open' ? opened.data : opened.state;
}

function toEvent(row: Row): ExportedEvent {
  return {
    id: Number(row.id),
    seq: row.seq === null ? null : Number(row.seq),
    at: row.at,
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    details: JSON.parse(row.details) as AuditDetails,
    dataSubjectId: row.data_subject_id,
    sealed: row.sealed,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function csvRow(event: ExportedEvent): (string | number | null)[] {
  const personal = event.personal === undefined ? '' : typeof event.personal === 'string' ? event.personal : JSON.stringify(event.personal);
  return [event.id, event.seq, event.at, event.actorType, event.actorId, event.action, event.subjectType, event.subjectId, JSON.stringify(event.details), event.dataSubjectId, personal, event.sealed, event.prevHash, event.hash];
}

/**
 * The tenant's events in the order they were written, as text chunks of JSON Lines or CSV.
 * Keyset-paginated by id, one batch in memory at a time, so an export of any size runs in flat
 * memory. Authorization and the `audit.exported` event are the caller's (`export-audit.ts`, CLI).
 */
export async function* streamAuditEvents(
  db: DbOrTx,
  masterKeys: MasterKeys | undefined,
  tenantId: string,
  options: AuditExportOptions,
): AsyncGenerator<string> {
  const batchSize = options.batchSize ?? 2_000;
  if (options.openPersonal && !masterKeys) throw new Error('opening sealed personal data needs the master keys');
  if (options.format === 'csv') yield stringify([CSV_COLUMNS]);
  let afterId = 0;
  for (;;) {
    const rows = rowsOf<Row>(
      await db.execute(sql`
        SELECT id, seq, ${sql.raw(CHAIN_TIMESTAMP_SQL)} AS at, actor_type, actor_id, action, subject_type, subject_id, details::text AS details,
               data_subject_id, sealed, prev_hash, hash
        FROM audit_events WHERE ${whereOf(tenantId, options.filters, afterId)} ORDER BY id LIMIT ${batchSize}`),
    );
    if (rows.length === 0) return;
    afterId = Number(rows.at(-1)!.id);
    const events = rows.map(toEvent);
    if (options.openPersonal) {
      const opener = sealOpener(db, masterKeys!, tenantId);
      try {
        const sealedEvents = events.filter((e) => e.sealed !== null && e.dataSubjectId !== null);
        await opener.prepare(sealedEvents.map((e) => e.dataSubjectId!));
        for (const event of sealedEvents) event.personal = personalOf(opener.open(event.sealed!, event.dataSubjectId!));
      } finally {
        opener.close();
      }
    }
    yield options.format === 'csv' ? stringify(events.map(csvRow)) : events.map((e) => `${JSON.stringify(e)}\n`).join('');
    if (rows.length < batchSize) return;
  }
}
