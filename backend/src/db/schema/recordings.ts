import { integer, pgEnum, pgTable, real, text, uuid } from 'drizzle-orm/pg-core';
import { calls } from './calls.js';
import { id, tenantScoped, timestamps } from './columns.js';

export const recordingState = pgEnum('recording_state', ['pending', 'processing', 'ready', 'failed']);

export const recordings = pgTable('recordings', {
  ...id,
  ...tenantScoped,
  callId: uuid()
    .notNull()
    .unique()
    .references(() => calls.id, { onDelete: 'cascade' }),
  state: recordingState().notNull().default('pending'),
  /** Raw .mjr folder written by the media server. */
  rawDir: text().notNull(),
  /** Composed media, relative to the data dir. */
  file: text(),
  durationSeconds: real(),
  attempts: integer().notNull().default(0),
  error: text(),
  ...timestamps,
});
