import { sql, type SQL } from 'drizzle-orm';

/**
 * The instant every lease and schedule is measured against. By default the
 * database's clock, so instances whose own clocks drift still agree on when a lease
 * ran out; tests inject a clock to step time without waiting.
 */
export function clockSql(now: (() => Date) | undefined): SQL {
  return now ? sql`${now().toISOString()}::timestamptz` : sql`now()`;
}

export function plusMs(at: SQL, ms: number): SQL {
  return sql`(${at} + ${Math.max(0, Math.round(ms))}::double precision * interval '1 millisecond')`;
}
