import type { Db } from './client.js';

/**
 * Something built once per database and kept with it, such as a drizzle `.prepare()`d query:
 * its SQL text is built on first use, and later uses only bind values.
 */
export function perDatabase<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    let value = built.get(db);
    if (value === undefined) {
      value = build(db);
      built.set(db, value);
    }
    return value;
  };
}
