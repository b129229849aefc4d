import { PGlite, types, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import type { Sql, TransactionSql } from 'postgres';
import type { Db } from '../../db/client.js';

/** A row as PostgreSQL's text output writes it: each column's bytes, null for NULL. */
export type TextRow = (Buffer | null)[];
type Param = string | number;

/**
 * One read-only REPEATABLE READ transaction on the driver under drizzle, for a read drizzle has no
 * verb for: rows as the raw text of their columns, handed over one at a time (on PostgreSQL as
 * they arrive, while the server sends the rest). Every statement run through it sees one
 * snapshot. The session writes timestamps in UTC with ISO dates.
 */
export interface ReadSnapshot {
  query<T>(text: string, params?: Param[]): Promise<T[]>;
  /** Calls `onRow` for each row in order (the row is only valid during the call); resolves to the row count. */
  eachRow(text: string, params: Param[], onRow: (row: TextRow) => void): Promise<number>;
  /** Rows per statement that keep memory flat: postgres.js streams rows, PGlite hands over whole results. */
  readonly rowsPerStatement: number;
}

const SETTINGS = [
  "SET LOCAL TimeZone = 'UTC'",
  'SET LOCAL DateStyle = ISO',
  // Long scans would spend more compiling a plan than running it.
  'SET LOCAL jit = off',
];

/** Runs `onRow` for each row, keeps the first error it throws and skips the rest, then throws it. */
function guarded(onRow: (row: TextRow) => void): { call: (row: TextRow) => void; rethrow: () => void } {
  let failure: { error: unknown } | undefined;
  return {
    call(row) {
      if (failure) return;
      try {
        onRow(row);
      } catch (error) {
        failure = { error };
      }
    },
    rethrow() {
      if (failure) throw failure.error;
    },
  };
}

function postgresSnapshot<T>(client: Sql, run: (snapshot: ReadSnapshot) => Promise<T>): Promise<T> {
  return client.begin('isolation level repeatable read read only', async (sql: TransactionSql) => {
    for (const setting of SETTINGS) await sql.unsafe(setting);
    return run({
      rowsPerStatement: 100_000,
      query: async <R>(text: string, params: Param[] = []) => (await sql.unsafe(text, params)) as unknown as R[],
      async eachRow(text, params, onRow) {
        // Raw rows skip the driver's parsing: each column stays the bytes PostgreSQL sent.
        const rows = guarded(onRow);
        const result = await sql.unsafe(text, params).raw().forEach((row) => rows.call(row as unknown as TextRow));
        rows.rethrow();
        return result.count ?? 0;
      },
    }) as Promise<T>;
  }) as Promise<T>;
}

/** PGlite parses timestamps into Dates (whole milliseconds) and JSON into objects: keep every value as text. */
const asText = (value: string) => value;
const TEXT_PARSERS = Object.fromEntries([types.INT8, types.TIMESTAMPTZ, types.JSONB, types.UUID].map((type) => [type, asText]));

function pgliteSnapshot<T>(client: PGlite, run: (snapshot: ReadSnapshot) => Promise<T>): Promise<T> {
  return client.transaction(async (tx: PgliteTransaction) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    for (const setting of SETTINGS) await tx.query(setting);
    return run({
      rowsPerStatement: 5_000,
      query: async <R>(text: string, params: Param[] = []) => (await tx.query<R>(text, params)).rows,
      async eachRow(text, params, onRow) {
        const result = await tx.query<(string | null)[]>(text, params, { rowMode: 'array', parsers: TEXT_PARSERS });
        const rows = guarded(onRow);
        for (const row of result.rows) rows.call(row.map((value) => (value === null ? null : Buffer.from(value, 'utf8'))));
        rows.rethrow();
        return result.rows.length;
      },
    });
  });
}

/** Runs `run` in one read-only snapshot of the database behind `db` (PostgreSQL through postgres.js, or PGlite). */
export function withReadSnapshot<T>(db: Db, run: (snapshot: ReadSnapshot) => Promise<T>): Promise<T> {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (client instanceof PGlite) return pgliteSnapshot(client, run);
  if (typeof client === 'function' && typeof (client as Partial<Sql>).begin === 'function') return postgresSnapshot(client as Sql, run);
  throw new TypeError('a read snapshot needs a postgres.js or PGlite database');
}
