import { sql } from 'drizzle-orm';
import { boolean, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { calls } from './calls.js';
import { customerChannel } from './cases.js';
import { id, tenantScoped } from './columns.js';
import { customers } from './customers.js';
import { noticeVersions } from './notices.js';

export const consentPurpose = pgEnum('consent_purpose', ['join', 'recording']);
export const consentEvent = pgEnum('consent_event', ['decision', 'withdrawal']);

/** The link a customer receives to read the notice and decide. Only its hash is stored. */
export const consentRequests = pgTable('consent_requests', {
  ...id,
  ...tenantScoped,
  callId: uuid()
    .notNull()
    .references(() => calls.id, { onDelete: 'cascade' }),
  customerId: uuid()
    .notNull()
    .references(() => customers.id, { onDelete: 'cascade' }),
  tokenHash: text().notNull().unique(),
  channel: customerChannel().notNull(),
  /** The notice version offered on this link, in the customer's language. */
  noticeVersionId: uuid()
    .notNull()
    .references(() => noticeVersions.id),
  language: text().notNull(),
  /**
   * The chat the offer was sent into (Zendesk messaging, Teams); null for a ticket or a link
   * handed over by hand. The case's conversation may change with a later escalation; buttons
   * answer from the one that carried them.
   */
  conversationId: text(),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
  /** Set once a decision is recorded: the link decides once. */
  decidedAt: timestamp({ withTimezone: true }),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * Proof of each consent decision (GDPR Art. 7(1)). Append-only: a trigger refuses
 * UPDATE and DELETE; withdrawal is a new row. No IP address is kept.
 */
export const consentRecords = pgTable(
  'consent_records',
  {
    ...id,
    ...tenantScoped,
    callId: uuid()
      .notNull()
      .references(() => calls.id),
    customerId: uuid()
      .notNull()
      .references(() => customers.id),
    consentRequestId: uuid().references(() => consentRequests.id),
    noticeVersionId: uuid()
      .notNull()
      .references(() => noticeVersions.id),
    noticeHash: text().notNull(),
    language: text().notNull(),
    channel: customerChannel().notNull(),
    purpose: consentPurpose().notNull(),
    event: consentEvent().notNull(),
    granted: boolean().notNull(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('consent_records_call_idx').on(t.callId, t.purpose, t.at),
    // A link decides once: a second decision on it fails here, whatever raced it.
    uniqueIndex('consent_records_decision_once').on(t.consentRequestId, t.purpose).where(sql`${t.event} = 'decision'`),
  ],
);
