import { customType, timestamp, uuid } from 'drizzle-orm/pg-core';
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

/** Raw bytes (wrapped keys). drizzle has no built-in bytea; both drivers hand back a Uint8Array or Buffer. */
export const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => Buffer.from(value),
});
