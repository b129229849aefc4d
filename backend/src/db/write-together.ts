import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { DbOrTx } from './client.js';

/**
 * Writes that go to the database as one statement: `WITH a AS (…), b AS (…) SELECT …`.
 * PostgreSQL runs them on one snapshot, all or nothing, in one round trip and, given the
 * database rather than a transaction, one commit — where a transaction of the same writes
 * costs a round trip each, plus BEGIN and COMMIT.
 *
 * The parts run side by side and cannot see each other's rows; only a `rawWrite` may read another
 * part's RETURNING by its name (the audit append does). Use it for writes that do not
 * read what another one writes; one that must not happen twice needs a unique index to say so,
 * since its failure is the whole statement's. Parts are named by their keys, which must be SQL
 * identifiers; an undefined part is left out. Answers the number of rows each part returned (0 for
 * a part without RETURNING).
 */
export async function writeTogether<K extends string>(db: DbOrTx, given: Record<K, SQLWrapper | undefined>): Promise<Record<K, number>> {
  const parts = Object.fromEntries(Object.entries(given).filter(([, part]) => part !== undefined)) as Record<K, SQLWrapper>;
  const names = Object.keys(parts) as K[];
  if (names.length === 0) throw new Error('writeTogether needs at least one write');
  for (const name of names) if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a statement name: ${name}`);
  const returning = names.filter((name) => returnsRows(parts[name]));
  const withs = sql.join(
    names.map((name) => sql`${sql.raw(name)} AS (${parts[name].getSQL()})`),
    sql`, `,
  );
  const counts = returning.length
    ? sql.join(
        returning.map((name) => sql`(SELECT count(*) FROM ${sql.raw(name)})::int AS ${sql.raw(name)}`),
        sql`, `,
      )
    : sql`1 AS done`;
  const result = await db.execute(sql`WITH ${withs} SELECT ${counts}`);
  const row = (Array.isArray(result) ? result[0] : (result as { rows: unknown[] }).rows[0]) as Record<string, number>;
  return Object.fromEntries((Object.keys(given) as K[]).map((name) => [name, returning.includes(name) ? Number(row[name]) : 0])) as Record<K, number>;
}

/** A write in raw SQL for `writeTogether`, saying whether it ends in RETURNING (and so has rows to count). */
export interface RawWrite extends SQLWrapper {
  readonly returns: boolean;
}

export function rawWrite(query: SQL, options: { returning: boolean }): RawWrite {
  return { getSQL: () => query, returns: options.returning };
}

/** Whether a part has RETURNING rows to count: a drizzle builder after `.returning()`, or a `rawWrite` that says so. */
function returnsRows(part: SQLWrapper): boolean {
  if ('returns' in part) return (part as RawWrite).returns;
  const config = (part as { config?: { returning?: unknown } }).config;
  return Boolean(config?.returning);
}
