// The floor that escalate is compared with: the same HTTP server, ORM and database
// kind as Parley, doing the least a write request can do (one INSERT of a small row).
// Run as its own process: BENCH_PORT and either BENCH_DATABASE_URL or BENCH_PGLITE_DIR.
import { PGlite } from '@electric-sql/pglite';
import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { Hono } from 'hono';
import postgres from 'postgres';

const benchRows = pgTable('bench_rows', {
  id: uuid().primaryKey().defaultRandom(),
  label: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

const port = Number(process.env.BENCH_PORT);
const databaseUrl = process.env.BENCH_DATABASE_URL;
const pgliteDir = process.env.BENCH_PGLITE_DIR;
if (!port || (!databaseUrl && !pgliteDir)) {
  console.error('bare-insert-server needs BENCH_PORT and BENCH_DATABASE_URL or BENCH_PGLITE_DIR');
  process.exit(2);
}

let close: () => Promise<void>;
let db;
if (databaseUrl) {
  // The pool size Parley is given in the benchmark, so the comparison is like for like.
  const client = postgres(databaseUrl, { max: Number(process.env.BENCH_POOL_SIZE ?? 10), onnotice: () => {} });
  db = drizzlePostgres(client, { casing: 'snake_case' });
  close = () => client.end({ timeout: 5 });
} else {
  const client = new PGlite(pgliteDir);
  await client.waitReady;
  db = drizzlePglite(client, { casing: 'snake_case' });
  close = () => client.close();
}

await db.execute(sql`
  create table if not exists bench_rows (
    id uuid primary key default gen_random_uuid(),
    label text not null,
    created_at timestamptz not null default now()
  )`);

const app = new Hono()
  .post('/insert', async (c) => {
    await db.insert(benchRows).values({ label: 'bench' });
    return c.json({ ok: true }, 201);
  })
  .get('/readyz', (c) => c.json({ ready: true }));

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });

process.on('SIGTERM', () => {
  server.close(() => void close().finally(() => process.exit(0)));
});
