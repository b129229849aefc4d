import { integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { agents } from './agents.js';
import { id, tenantScoped } from './columns.js';
import { meetingTypes } from './meeting-types.js';

/**
 * One version of the privacy notice for a meeting type in one language. Rows are
 * never changed (a trigger refuses it): an edit is a new version, so a consent
 * record always points at exactly the words the customer was shown.
 */
export const noticeVersions = pgTable(
  'notice_versions',
  {
    ...id,
    ...tenantScoped,
    meetingTypeId: uuid()
      .notNull()
      .references(() => meetingTypes.id, { onDelete: 'cascade' }),
    language: text().notNull(),
    version: integer().notNull(),
    /** The complete notice as shown, every heading and sentence in its language. */
    content: jsonb().notNull(),
    /** SHA-256 of the canonical JSON of `content`. */
    contentHash: text().notNull(),
    createdBy: uuid().references(() => agents.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('notice_versions_type_lang_version_uq').on(t.meetingTypeId, t.language, t.version)],
);
