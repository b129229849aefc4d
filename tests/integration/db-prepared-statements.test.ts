import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../backend/src/services/audit/record.js';
import type { Database } from '../../backend/src/db/client.js';
import { tenants } from '../../backend/src/db/schema/index.js';
import { freshDatabase } from '../support/databases.js';

/** Statements this session holds prepared whose text mentions `marker`. */
const preparedWith = async (tx: Database['db'], marker: string) =>
  rowsOf<{ statement: string }>(await tx.execute(sql`SELECT statement FROM pg_prepared_statements WHERE statement LIKE ${`%${marker}%`}`)).map((row) => row.statement);

describe('queries on a PostgreSQL server', () => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase('postgres');
  });
  afterAll(async () => {
    await database?.close();
  });

  it('run as named prepared statements, in transactions and savepoints too, with the right answers', async () => {
    const [tenant] = await database.db.insert(tenants).values({ name: 'Prepared' }).returning({ id: tenants.id });
    await database.db.transaction(async (tx) => {
      const first = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenant!.id));
      const again = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenant!.id));
      expect(first).toEqual([{ name: 'Prepared' }]);
      expect(again).toEqual(first);
      // Same text twice, one statement kept by this connection.
      expect(await preparedWith(tx as never, 'from "tenants" where "tenants"."id" = $1')).toHaveLength(1);
      await tx.transaction(async (savepoint) => {
        await savepoint.execute(sql`SELECT ${'inside a savepoint'}::text AS marker_in_savepoint`);
        expect(await preparedWith(savepoint as never, 'marker_in_savepoint')).toHaveLength(1);
      });
    });
  });
});
