import { sql } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { UNIQUE_VIOLATION, pgErrorCode } from '../../backend/src/db/errors.js';
import { rawWrite, writeTogether } from '../../backend/src/db/write-together.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';

const letters = pgTable('wt_letters', { id: integer().primaryKey(), body: text().notNull() });
const parcels = pgTable('wt_parcels', { id: integer().primaryKey(), weight: integer().notNull() });

describe.each(databaseKinds)('writeTogether on %s', (kind) => {
  let database: Database;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    await database.db.execute(sql`CREATE TABLE wt_letters (id integer PRIMARY KEY, body text NOT NULL)`);
    await database.db.execute(sql`CREATE TABLE wt_parcels (id integer PRIMARY KEY, weight integer NOT NULL)`);
  });
  afterAll(async () => {
    await database?.close();
  });

  const count = async (table: 'wt_letters' | 'wt_parcels') => {
    const result = await database.db.execute(sql`SELECT count(*)::int AS n FROM ${sql.raw(table)}`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
    return Number(rows[0]!.n);
  };

  it('writes every part and counts the rows of those with RETURNING', async () => {
    const db = database.db;
    const counts = await writeTogether(db, {
      letters: db.insert(letters).values([{ id: 1, body: 'a' }, { id: 2, body: 'b' }]).returning({ id: letters.id }),
      parcels: db.insert(parcels).values({ id: 1, weight: 3 }),
      skipped: undefined,
    });
    expect(counts).toEqual({ letters: 2, parcels: 0, skipped: 0 });
    expect([await count('wt_letters'), await count('wt_parcels')]).toEqual([2, 1]);
  });

  it('lets a raw part read another part’s RETURNING by its name', async () => {
    const db = database.db;
    const counts = await writeTogether(db, {
      heavy: rawWrite(sql`INSERT INTO wt_parcels (id, weight) VALUES (10, 40) RETURNING id, weight`, { returning: true }),
      label: rawWrite(sql`INSERT INTO wt_letters (id, body) SELECT heavy.id, 'weighs ' || heavy.weight FROM heavy RETURNING id`, { returning: true }),
    });
    expect(counts).toEqual({ heavy: 1, label: 1 });
    const [label] = await db.select().from(letters).where(sql`${letters.id} = 10`);
    expect(label!.body).toBe('weighs 40');
  });

  it('writes nothing when one part fails', async () => {
    const db = database.db;
    const before = [await count('wt_letters'), await count('wt_parcels')];
    const failed = await writeTogether(db, {
      parcels: db.insert(parcels).values({ id: 20, weight: 1 }),
      // id 1 exists: this part fails, and with it the statement.
      letters: db.insert(letters).values({ id: 1, body: 'again' }),
    }).catch((error: unknown) => error);
    expect(pgErrorCode(failed)).toBe(UNIQUE_VIOLATION);
    expect([await count('wt_letters'), await count('wt_parcels')]).toEqual(before);
  });

  it('runs the parts with RETURNING in the order given', async () => {
    const db = database.db;
    await db.execute(sql`CREATE SEQUENCE wt_order`);
    // Each part takes the next number: the order they ran in is the order of their numbers.
    const part = (id: number) => db.insert(parcels).values({ id, weight: sql`nextval('wt_order')` }).returning({ id: parcels.id });
    await writeTogether(db, { third: part(103), first: part(101), second: part(102) });
    const rows = await db.select().from(parcels).where(sql`${parcels.id} between 101 and 103`);
    const ran = rows.sort((a, b) => a.weight - b.weight).map((row) => row.id);
    expect(ran).toEqual([103, 101, 102]);
  });

  it('refuses a part name that is not an identifier', async () => {
    await expect(writeTogether(database.db, { 'x; drop': database.db.insert(parcels).values({ id: 30, weight: 1 }) })).rejects.toThrow('not a statement name');
  });
});
