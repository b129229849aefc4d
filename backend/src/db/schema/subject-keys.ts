import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { bytea, id, tenantScoped, timestamps } from './columns.js';
import { customers } from './customers.js';

/**
 * One key per data subject, wrapped by the tenant master key (media/FORMAT.md, Keys). Every
 * recording key of the subject is wrapped by it, so deleting this row crypto-shreds all of
 * the subject's recordings at once, and master-key rotation rewraps one row per subject.
 */
export const subjectKeys = pgTable('subject_keys', {
  ...id,
  ...tenantScoped,
  customerId: uuid()
    .notNull()
    .unique()
    .references(() => customers.id, { onDelete: 'cascade' }),
  /** The master key version that unwraps `wrappedKey`. */
  masterKeyId: text().notNull(),
  wrappedKey: bytea().notNull(),
  ...timestamps,
});
