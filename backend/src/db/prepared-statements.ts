import type { Sql } from 'postgres';

type Unsafe = (query: string, parameters?: unknown[], options?: Record<string, unknown>) => unknown;
type Scoped = (...args: unknown[]) => unknown;

/**
 * drizzle runs every query through postgres.js `unsafe`, unprepared unless it was built with
 * `.prepare(name)`. postgres.js then sends each query with parameters twice: Parse + Describe,
 * wait for the parameter types, then Bind + Execute — two round trips, and a fresh parse and plan
 * every time. This wrapper asks for named prepared statements instead: the first use of a query
 * text on a connection describes it once, every later use is one round trip with no parse.
 * Statements are kept per connection by their text, and go when postgres.js retires the
 * connection (`max_lifetime`). Transactions and savepoints get the same treatment.
 */
export function preparingStatements<T extends Sql>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'unsafe') {
        return (query: string, parameters?: unknown[], options?: Record<string, unknown>) =>
          (value as Unsafe).call(target, query, parameters, { ...options, prepare: true });
      }
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          const body = args.pop() as (inner: Sql) => unknown;
          return (value as Scoped).call(target, ...args, (inner: Sql) => body(preparingStatements(inner)));
        };
      }
      return (value as Scoped).bind(target);
    },
  });
}
