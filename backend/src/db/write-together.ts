import { sql, type Query, type SQL, type SQLWrapper } from 'drizzle-orm';
import { dialect, type DbOrTx } from './client.js';

/** A write in raw SQL for `writeTogether`, saying whether it ends in RETURNING (and so has rows to count). */
export interface RawWrite extends SQLWrapper {
  readonly returns: boolean;
}

export function rawWrite(query: SQL, options: { returning: boolean }): RawWrite {
  return { getSQL: () => query, returns: options.returning };
}

/** Values for the `sql.placeholder(name)`s in the parts. */
export type PlaceholderValues = Record<string, unknown>;

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
 * identifiers; an undefined part is left out. Parts may hold `sql.placeholder(name)`s, filled from
 * `values`. Answers the number of rows each part returned (0 for a part without RETURNING).
 *
 * Parts with RETURNING run in the order given (the final SELECT counts their rows in that order);
 * those without run after them. A part that takes a lock others wait for, like the audit head,
 * goes last, so the lock is held only for the rest of the statement and the commit.
 */
export async function writeTogether<K extends string>(db: DbOrTx, parts: Partial<Record<K, SQLWrapper>>, values: PlaceholderValues = {}): Promise<Record<K, number>> {
  const statement = compose(parts);
  const prepared = db._.session.prepareQuery(dialect.sqlToQuery(statement.sql), undefined, undefined, false);
  return statement.counts(await prepared.execute(values));
}

/**
 * `writeTogether` for a statement that runs often: its text is built once, on first use, and kept
 * as a prepared statement by the driver; each run only binds new values, in the database or in a
 * transaction. The parts take their values from placeholders only: `build` runs once, so it must
 * not capture anything else.
 */
export function writeTogetherPrepared<K extends string>(name: string, build: (db: DbOrTx) => Partial<Record<K, SQLWrapper>>) {
  let statement: { query: Query; counts(result: unknown): Record<K, number> } | undefined;
  return async (db: DbOrTx, values: PlaceholderValues): Promise<Record<K, number>> => {
    if (!statement) {
      const composed = compose(build(db));
      statement = { query: dialect.sqlToQuery(composed.sql), counts: composed.counts };
    }
    const prepared = db._.session.prepareQuery(statement.query, undefined, name, false);
    return statement.counts(await prepared.execute(values));
  };
}

function compose<K extends string>(given: Partial<Record<K, SQLWrapper>>): { sql: SQL; counts(result: unknown): Record<K, number> } {
  const all = Object.keys(given) as K[];
  const names = all.filter((name) => given[name] !== undefined);
  if (names.length === 0) throw new Error('writeTogether needs at least one write');
  for (const name of names) if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a statement name: ${name}`);
  const returning = names.filter((name) => returnsRows(given[name]!));
  const withs = sql.join(
    names.map((name) => sql`${sql.raw(name)} AS (${given[name]!.getSQL()})`),
    sql`, `,
  );
  const selected = returning.length
    ? sql.join(
        returning.map((name) => sql`(SELECT count(*) FROM ${sql.raw(name)})::int AS ${sql.raw(name)}`),
        sql`, `,
      )
    : sql`1 AS done`;
  return {
    sql: sql`WITH ${withs} SELECT ${selected}`,
    counts(result) {
      // postgres.js answers an array of rows, PGlite `{ rows }`.
      const row = (Array.isArray(result) ? result[0] : (result as { rows: unknown[] }).rows[0]) as Record<string, number>;
      return Object.fromEntries(all.map((name) => [name, returning.includes(name) ? Number(row[name]) : 0])) as Record<K, number>;
    },
  };
}

/** Whether a part has RETURNING rows to count: a drizzle builder after `.returning()`, or a `rawWrite` that says so. */
function returnsRows(part: SQLWrapper): boolean {
  if ('returns' in part) return (part as RawWrite).returns;
  const config = (part as { config?: { returning?: unknown } }).config;
  return Boolean(config?.returning);
}
