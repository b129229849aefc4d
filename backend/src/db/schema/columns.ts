import { timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.js';

export const id = { id: uuid().primaryKey().defaultRandom() };

export const timestamps = {
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
};

/** Every tenant-owned row carries its tenant; queries filter on it. */
export const tenantScoped = {
  tenantId: uuid()
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' }),
};
