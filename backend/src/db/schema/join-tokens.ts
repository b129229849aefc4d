import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { calls } from './calls.js';
import { id, tenantScoped } from './columns.js';
import { participants } from './participants.js';

/** Single-use join links. Only a SHA-256 of the token is stored. */
export const joinTokens = pgTable('join_tokens', {
  ...id,
  ...tenantScoped,
  callId: uuid()
    .notNull()
    .references(() => calls.id, { onDelete: 'cascade' }),
  participantId: uuid()
    .notNull()
    .references(() => participants.id, { onDelete: 'cascade' }),
  tokenHash: text().notNull().unique(),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
  usedAt: timestamp({ withTimezone: true }),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
