import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db, DbOrTx } from './client.js';

/**
 * Something built once per database and kept with it, such as a drizzle `.prepare()`d query:
 * its SQL text is built on first use, and later uses only bind values. A transaction lives for
 * one use, so it gets a fresh one.
 */
export function perDatabase<T>(build: (db: DbOrTx) => T): (db: DbOrTx) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    if (db instanceof PgTransaction) return build(db);
    let value = built.get(db);
    if (value === undefined) {
      value = build(db);
      built.set(db, value);
    }
    return value;
  };
}
