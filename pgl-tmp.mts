import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
const folder = '/work/main/backend/src/db/migrations';
let t = performance.now();
const a = new PGlite(); await a.waitReady;
console.log('new', (performance.now() - t).toFixed(0)); t = performance.now();
await migrate(drizzle(a, { casing: 'snake_case' }), { migrationsFolder: folder });
console.log('migrate', (performance.now() - t).toFixed(0)); t = performance.now();
const dump = await a.dumpDataDir('none');
console.log('dump', (performance.now() - t).toFixed(0), dump.size); t = performance.now();
for (let i = 0; i < 3; i++) {
  t = performance.now();
  const b = new PGlite({ loadDataDir: dump }); await b.waitReady;
  const r = await b.query('select count(*) from tenants');
  console.log('load', (performance.now() - t).toFixed(0), r.rows);
  t = performance.now();
  const c = new PGlite(); await c.waitReady;
  console.log('new again', (performance.now() - t).toFixed(0));
}
