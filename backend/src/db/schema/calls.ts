import { bigint, boolean, pgEnum, pgTable, text, timestamp, uuid, index } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { agents } from './agents.js';
import { cases } from './cases.js';
import { id, tenantScoped, timestamps } from './columns.js';
import { customers } from './customers.js';
import { meetingTypes } from './meeting-types.js';

export const callState = pgEnum('call_state', ['created', 'active', 'ended', 'failed']);

export const calls = pgTable(
  'calls',
  {
    ...id,
    ...tenantScoped,
    caseId: uuid()
      .notNull()
      .references(() => cases.id, { onDelete: 'cascade' }),
    customerId: uuid()
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    agentId: uuid()
      .notNull()
      .references(() => agents.id),
    meetingTypeId: uuid()
      .notNull()
      .references(() => meetingTypes.id),
    state: callState().notNull().default('created'),
    /** Where the room lives: the pool keeps no memory of it, the call does. */
    mediaNodeId: text().notNull(),
    mediaRoomId: bigint({ mode: 'number' }).notNull(),
    mediaRoomPin: text().notNull(),
    mediaRoomSecret: text().notNull(),
    recordingActive: boolean().notNull().default(false),
    startedAt: timestamp({ withTimezone: true }),
    /** Set once both participants are in: from then on the media room admits only their tokens. */
    lockedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    endReason: text(),
    /** When the finished call's room was destroyed and its media tokens revoked; null until that succeeded. */
    mediaReleasedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('calls_tenant_state_idx').on(t.tenantId, t.state),
    // The few finished calls whose room is still to be released, looked for every 30 s.
    index('calls_media_unreleased_idx').on(t.endedAt).where(sql`${t.mediaReleasedAt} is null and ${t.state} in ('ended', 'failed')`),
  ],
);
