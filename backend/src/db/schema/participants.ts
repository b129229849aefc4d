import { pgEnum, pgTable, text, timestamp, uuid, uniqueIndex } from 'drizzle-orm/pg-core';
import { agents } from './agents.js';
import { calls } from './calls.js';
import { id, tenantScoped, timestamps } from './columns.js';

export const participantRole = pgEnum('participant_role', ['agent', 'customer', 'supervisor']);

export const participants = pgTable(
  'participants',
  {
    ...id,
    ...tenantScoped,
    callId: uuid()
      .notNull()
      .references(() => calls.id, { onDelete: 'cascade' }),
    role: participantRole().notNull(),
    agentId: uuid().references(() => agents.id),
    /** Janus token_auth token, minted when the participant redeems the join link. */
    mediaToken: text(),
    /** When a customer redeemed their link into the lobby of a meeting type that has one. */
    lobbyEnteredAt: timestamp({ withTimezone: true }),
    /** When the agent let a customer in from the lobby; set at once where the meeting type has no lobby. */
    admittedAt: timestamp({ withTimezone: true }),
    /** When the agent removed this participant (or turned them away from the lobby): their session and media token stop working. */
    removedAt: timestamp({ withTimezone: true }),
    joinedAt: timestamp({ withTimezone: true }),
    leftAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [uniqueIndex('participants_call_role_uq').on(t.callId, t.role)],
);
