import { bigint, bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantScoped } from './columns.js';

/**
 * Append-only (a migration trigger refuses UPDATE and DELETE) and tamper-evident: each event of a
 * tenant carries `hash = SHA-256(prevHash ‖ canonical JSON of the event)`, see
 * `services/audit/chain.ts`. Personal data never sits here in the clear: `sealed` holds it
 * encrypted under the data subject's key, so erasing the subject leaves the chain verifiable.
 * Events written before the chain existed have `seq` and `hash` null.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    ...tenantScoped,
    /** Position in the tenant's chain, from 1. */
    seq: bigint({ mode: 'number' }),
    actorType: text().notNull(),
    actorId: text(),
    action: text().notNull(),
    subjectType: text().notNull(),
    subjectId: text().notNull(),
    details: jsonb().$type<Record<string, string | number | boolean | null>>().notNull().default({}),
    /** The customer whose key seals `sealed`. */
    dataSubjectId: uuid(),
    sealed: text(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    prevHash: text(),
    hash: text(),
  },
  (t) => [index('audit_events_tenant_at_idx').on(t.tenantId, t.at), uniqueIndex('audit_events_tenant_seq_uq').on(t.tenantId, t.seq)],
);

/**
 * The last link of each tenant's chain; appends lock this row, so the chain has no forks.
 * `prevHash` is the link before it, so a one-statement append can return both.
 */
export const auditChainHeads = pgTable('audit_chain_heads', {
  tenantId: uuid().primaryKey(),
  seq: bigint({ mode: 'number' }).notNull(),
  hash: text().notNull(),
  prevHash: text(),
});
