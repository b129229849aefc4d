import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { agents } from '../../backend/src/db/schema/index.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seedAgent } from '../support/principals.js';
import { buildTestApp, startTestJanus, type TestApp } from '../support/test-app.js';

interface UsersPage {
  users: { id: string; name: string; roles: { name: string; source: string }[] }[];
  nextCursor: string | null;
}

describe.each(databaseKinds)('the console’s people list on %s', (kind) => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: TestApp;
  let admin: string;
  let everyone: string[];
  let tenantId: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-admin-users-'));
    [database, janus] = await Promise.all([freshDatabase(kind), startTestJanus(baseDir)]);
    t = await buildTestApp(database, janus);
    admin = await t.signIn('acme', 'admin-1', 'admin');
    tenantId = (await t.tokens.verify(admin)).tenantId;
    // An account its identity provider filled: more people than a page, some with the same name.
    await database.db.insert(agents).values(
      Array.from({ length: 120 }, (_, i) => ({
        tenantId,
        host: 'teams' as const,
        externalUserId: `oid-${i}`,
        displayName: i % 10 === 0 ? 'Sam Same' : `Person ${String(i).padStart(3, '0')}`,
        userName: `person${i}@acme.example`,
      })),
    );
    await seedAgent(database.db, tenantId, { name: 'Percy 100%_done', roles: ['supervisor'] });
    // Another account's people never show.
    const stranger = await t.signIn('globex', 'admin-9', 'admin');
    await seedAgent(database.db, (await t.tokens.verify(stranger)).tenantId, { name: 'Person from Globex' });
    everyone = (await database.db.select({ name: agents.displayName, tenantId: agents.tenantId }).from(agents))
      .filter((a) => a.tenantId === tenantId)
      .map((a) => a.name);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  const page = async (query: Record<string, string>, token = admin) => t.call('GET', `/api/admin/users?${new URLSearchParams(query)}`, { token });

  it('pages through everyone by name, each person once, rows with the same name included', async () => {
    const seen: UsersPage['users'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await page({ limit: '25', ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      const body = res.body as UsersPage;
      expect(body.users.length).toBeLessThanOrEqual(25);
      seen.push(...body.users);
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(Math.ceil(everyone.length / 25));
    expect(new Set(seen.map((u) => u.id)).size).toBe(seen.length);
    expect(seen.map((u) => u.name).sort()).toEqual([...everyone].sort());
    // In the database's own order of names (its collation), unbroken across pages.
    const byName = await database.db.select({ id: agents.id }).from(agents).where(eq(agents.tenantId, tenantId)).orderBy(asc(agents.displayName), asc(agents.id));
    expect(seen.map((u) => u.id)).toEqual(byName.map((a) => a.id));
    const names = seen.map((u) => u.name);
    expect(names.filter((n) => n === 'Sam Same')).toHaveLength(12);
    expect(names).not.toContain('Person from Globex');
  });

  it('finds people by part of their name or sign-in name, or by their host id, with wildcards taken literally', async () => {
    expect(((await page({ q: 'sam sa' })).body as UsersPage).users).toHaveLength(12);
    expect(((await page({ q: 'person7@acme' })).body as UsersPage).users.map((u) => u.name)).toEqual(['Person 007']);
    expect(((await page({ q: 'oid-42' })).body as UsersPage).users.map((u) => u.name)).toEqual(['Person 042']);
    const percent = (await page({ q: '100%_' })).body as UsersPage;
    expect(percent.users.map((u) => u.name)).toEqual(['Percy 100%_done']);
    expect(percent.users[0]!.roles).toEqual([{ name: 'supervisor', source: 'host' }]);
    expect(((await page({ q: '%' })).body as UsersPage).users.map((u) => u.name)).toEqual(['Percy 100%_done']);
    expect(((await page({ q: 'Globex' })).body as UsersPage).users).toEqual([]);
  });

  it('refuses a cursor it did not hand out, a limit out of range and an unknown parameter with 400, and anyone but an admin with 403', async () => {
    for (const cursor of ['nonsense', Buffer.from(JSON.stringify(['x', 'not-a-uuid'])).toString('base64url'), Buffer.from('["only-one"]').toString('base64url')]) {
      const res = await page({ cursor });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'INVALID_CURSOR' } });
    }
    expect((await page({ limit: '0' })).status).toBe(400);
    expect((await page({ limit: '201' })).status).toBe(400);
    expect((await page({ sort: 'name' })).status).toBe(400);
    const agent = await t.signIn('acme', 'agent-1', 'agent');
    expect((await page({}, agent)).status).toBe(403);
  });
});
