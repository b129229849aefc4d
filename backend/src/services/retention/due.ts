import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/**
 * True when `days` (a number or a column) have passed since `since` (a timestamp column) at `now`.
 * The time is bound as text with a cast: neither driver can infer a parameter's type inside raw SQL.
 */
export function periodEnded(since: SQLWrapper, days: SQLWrapper | number, now: Date): SQL {
  return sql`${since} + make_interval(days => ${days}) <= ${now.toISOString()}::timestamptz`;
}
