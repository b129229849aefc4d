import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, installations, meetingTypes, tenants } from '../../backend/src/db/schema/index.js';
import { listMeetingTypes } from '../../backend/src/services/meeting-types/list.js';
import { recordAudit } from '../../backend/src/services/audit/record.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seedAgent } from '../support/principals.js';

describe.each(databaseKinds)('database on %s', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('applies the migrations idempotently', async () => {
    await database.migrate();
    const rows = await database.db.execute(sql`select count(*)::int as n from information_schema.tables where table_name = 'calls'`);
    expect(JSON.stringify(rows)).toContain('"n":1');
  });

  it('provisions a new account once, with three safe meeting types', async () => {
    const first = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'acme' });
    const again = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'acme' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ tenantId: first.tenantId, created: false });

    const types = await listMeetingTypes(database.db, await seedAgent(database.db, first.tenantId));
    expect(types.map((t) => [t.name, t.recordingPolicy, t.legalBasis])).toEqual([
      ['Advice call', 'required', 'legal_obligation'],
      ['Consultation', 'optional', 'consent'],
      ['Support call', 'forbidden', 'legitimate_interest'],
    ]);
  });

  it('ends concurrent first loads of one account with a single tenant', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => provisionTenant(database.db, { host: 'teams', externalAccountId: 'contoso' })),
    );
    expect(new Set(results.map((r) => r.tenantId)).size).toBe(1);
    const rows = await database.db.select().from(installations).where(eq(installations.externalAccountId, 'contoso'));
    expect(rows).toHaveLength(1);
  });

  it('keeps one tenant from seeing another tenant’s meeting types', async () => {
    const a = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'tenant-a' });
    const b = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'tenant-b' });
    const seenByA = await listMeetingTypes(database.db, await seedAgent(database.db, a.tenantId));
    const seenByB = await listMeetingTypes(database.db, await seedAgent(database.db, b.tenantId));
    expect(seenByA).toHaveLength(3);
    expect(new Set([...seenByA, ...seenByB].map((t) => t.id)).size).toBe(6);
  });

  it('refuses a meeting type that would record end-to-end encrypted calls', async () => {
    const { tenantId } = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'e2ee-policy' });
    const type = (key: string) => and(eq(meetingTypes.tenantId, tenantId), eq(meetingTypes.key, key));
    const refusal = (update: Promise<unknown>) =>
      update.then(
        () => 'accepted',
        (error: Error) => String((error.cause as Error | undefined)?.message ?? error.message),
      );
    expect(await refusal(database.db.update(meetingTypes).set({ e2ee: true }).where(type('advice')))).toMatch(/meeting_types_e2ee_unrecorded/);
    expect(await refusal(database.db.update(meetingTypes).set({ e2ee: true }).where(type('consultation')))).toMatch(/meeting_types_e2ee_unrecorded/);
    // Where nothing is ever recorded, end-to-end encryption is fine.
    await database.db.update(meetingTypes).set({ e2ee: true }).where(type('support'));
    expect(await refusal(database.db.update(meetingTypes).set({ recordingPolicy: 'optional' }).where(type('support')))).toMatch(/meeting_types_e2ee_unrecorded/);
  });

  it('refuses to change or delete audit events', async () => {
    const [tenant] = await database.db.insert(tenants).values({ name: 'audit' }).returning();
    await recordAudit(database.db, { tenantId: tenant!.id, actor: { kind: 'system' }, action: 'test.done', subjectType: 'tenant', subjectId: tenant!.id });
    await expect(database.db.update(auditEvents).set({ action: 'forged' }).where(eq(auditEvents.tenantId, tenant!.id))).rejects.toThrow();
    await expect(database.db.delete(auditEvents).where(eq(auditEvents.tenantId, tenant!.id))).rejects.toThrow();
    const rows = await database.db.select().from(auditEvents).where(eq(auditEvents.tenantId, tenant!.id));
    expect(rows.map((r) => r.action)).toEqual(['test.done']);
  });
});
