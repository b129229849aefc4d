import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { agentRoles, roles } from '../../backend/src/db/schema/index.js';
import { assignAccess } from '../../backend/src/services/roles/assign.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { principalOf, seedAgent } from '../support/principals.js';

describe.each(databaseKinds)('the last administrator on %s', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('keeps the admin role until another user has it', async () => {
    const { tenantId } = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: `acct-${randomUUID()}` });
    // The account's only administrator, by Parley's own assignment rather than the host's.
    const ada = await seedAgent(database.db, tenantId, { roles: [] });
    const [admin] = await database.db.select({ id: roles.id }).from(roles).where(and(eq(roles.tenantId, tenantId), eq(roles.name, 'admin')));
    await database.db.insert(agentRoles).values({ agentId: ada.agentId, roleId: admin!.id, source: 'admin' });
    const asAda = await principalOf(database.db, tenantId, ada.agentId);

    await expect(assignAccess(database.db, asAda, ada.agentId, { roles: ['agent'], clients: [] })).rejects.toMatchObject({ code: 'LAST_ADMIN', status: 409 });
    // Nothing changed: Ada is still the administrator.
    const kept = await database.db.select().from(agentRoles).where(and(eq(agentRoles.agentId, ada.agentId), eq(agentRoles.roleId, admin!.id)));
    expect(kept).toHaveLength(1);

    await seedAgent(database.db, tenantId, { roles: ['admin'] });
    await expect(assignAccess(database.db, asAda, ada.agentId, { roles: ['agent'], clients: [] })).resolves.toMatchObject({ roles: ['agent'] });
  });
});
