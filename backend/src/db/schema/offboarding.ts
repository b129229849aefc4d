import { bigint, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { agents } from './agents.js';
import { id, tenantScoped, timestamps } from './columns.js';

export const tenantExportState = pgEnum('tenant_export_state', ['running', 'ready', 'failed']);

/**
 * An export of everything an account holds, made before the account is deleted: one age-encrypted
 * zip, fetched through a time-limited link like a data-subject export. Deleting the account needs
 * one that was downloaded.
 */
export const tenantExports = pgTable(
  'tenant_exports',
  {
    ...id,
    ...tenantScoped,
    requestedBy: uuid().references(() => agents.id, { onDelete: 'set null' }),
    state: tenantExportState().notNull().default('running'),
    /** A running export touches this as it goes; one that stopped touching it was interrupted. */
    heartbeatAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    progressDone: integer().notNull().default(0),
    progressTotal: integer().notNull().default(0),
    storageLocation: text(),
    objectKey: text(),
    sizeBytes: bigint({ mode: 'number' }),
    /** What went into the bundle (counts), once ready. */
    contents: jsonb().$type<Record<string, number>>(),
    /** SHA-256 of the current download token; the token itself is handed over once. */
    downloadTokenHash: text().unique(),
    expiresAt: timestamp({ withTimezone: true }),
    downloadedAt: timestamp({ withTimezone: true }),
    lastError: text(),
    finishedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [index('tenant_exports_tenant_idx').on(t.tenantId, t.createdAt)],
);

/**
 * What is left of a deleted account, on purpose: who deleted it and when, how much went, and the
 * last link of its audit chain, so a copy of the trail kept elsewhere can be checked to its end.
 * Not tenant-scoped: it outlives the tenant it names.
 */
export const offboardedTenants = pgTable(
  'offboarded_tenants',
  {
    ...id,
    tenantId: uuid().notNull(),
    host: text().notNull(),
    externalAccountId: text().notNull(),
    offboardedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** The admin's agent id only: their name went with the account. */
    offboardedBy: uuid().notNull(),
    /** Rows deleted per table, blobs removed, master key destroyed. */
    deleted: jsonb().$type<Record<string, number | boolean>>().notNull(),
    /** The closing `tenant.offboarded` event, chained to the account's last event. */
    auditHeadSeq: bigint({ mode: 'number' }).notNull(),
    auditHeadHash: text().notNull(),
    /** That closing event as the audit sink receives it. */
    finalEvent: jsonb().$type<Record<string, unknown>>().notNull(),
    /** 'none' (no sink configured), 'pending', 'delivered' or 'rejected'. */
    forwardState: text().notNull().default('none'),
    forwardAttempts: integer().notNull().default(0),
    /** When a pending copy is tried next; failures back off as the outbox does. */
    forwardNextAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    forwardError: text(),
    forwardedAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex('offboarded_tenants_tenant_uq').on(t.tenantId), index('offboarded_tenants_account_idx').on(t.host, t.externalAccountId)],
);
