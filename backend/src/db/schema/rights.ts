import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { agents } from './agents.js';
import { id, tenantScoped, timestamps } from './columns.js';
import { customers } from './customers.js';

export const legalHoldTarget = pgEnum('legal_hold_target', ['case', 'customer', 'recording']);

/**
 * A legal hold: while it is in place (not released), nothing of its target is deleted, by
 * retention or by erasure. Placing and releasing are audited.
 */
export const legalHolds = pgTable(
  'legal_holds',
  {
    ...id,
    ...tenantScoped,
    targetType: legalHoldTarget().notNull(),
    targetId: uuid().notNull(),
    /** A short reference (matter or case number), not a description of the person. */
    reference: text().notNull(),
    placedBy: uuid().references(() => agents.id, { onDelete: 'set null' }),
    placedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    releasedBy: uuid().references(() => agents.id, { onDelete: 'set null' }),
    releasedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('legal_holds_active_idx').on(t.tenantId, t.targetType, t.targetId).where(sql`${t.releasedAt} IS NULL`)],
);

export const dsarKind = pgEnum('dsar_kind', ['access', 'erasure']);
export const dsarState = pgEnum('dsar_state', ['received', 'in_progress', 'completed', 'refused', 'partially_refused']);

/**
 * A data-subject request (GDPR Art. 15 access, Art. 17 erasure), worked as a durable job: due 30
 * days after receipt, extendable with a reason (Art. 12(3)). The subject is held as a customer id;
 * how the requester named themselves is kept only as a digest.
 */
export const dsarRequests = pgTable(
  'dsar_requests',
  {
    ...id,
    ...tenantScoped,
    kind: dsarKind().notNull(),
    customerId: uuid().references(() => customers.id, { onDelete: 'set null' }),
    /** SHA-256 of how the subject was named (email or host id), to find repeated requests without keeping the value. */
    subjectDigest: text().notNull(),
    /** The user who checked the requester's identity, and how. */
    verifiedBy: uuid().references(() => agents.id, { onDelete: 'set null' }),
    verification: text().notNull(),
    state: dsarState().notNull().default('received'),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    dueAt: timestamp({ withTimezone: true }).notNull(),
    extensionReason: text(),
    /** Work done so far, for a progress display. */
    progressDone: integer().notNull().default(0),
    progressTotal: integer().notNull().default(0),
    /** What was done, refused (with the legal reason and until when) and could not be done. */
    outcome: jsonb().$type<Record<string, unknown>>(),
    /** Job bookkeeping, as for recordings: several instances, one worker per request. */
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    leaseOwner: text(),
    leaseExpiresAt: timestamp({ withTimezone: true }),
    lastError: text(),
    completedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [index('dsar_requests_tenant_due_idx').on(t.tenantId, t.dueAt)],
);

/** An export bundle, encrypted for delivery, fetched once through a time-limited link. */
export const dsarExports = pgTable('dsar_exports', {
  ...id,
  ...tenantScoped,
  requestId: uuid()
    .notNull()
    .references(() => dsarRequests.id, { onDelete: 'cascade' }),
  storageLocation: text().notNull(),
  objectKey: text().notNull(),
  /** Null while the bundle is being prepared: the row is written before anything is stored, so a crash leaves a row the sweep finds. */
  sizeBytes: bigint({ mode: 'number' }),
  /** SHA-256 of the download token; the token itself is handed over once. */
  downloadTokenHash: text().notNull().unique(),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
  downloadedAt: timestamp({ withTimezone: true }),
  ...timestamps,
});
