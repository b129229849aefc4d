import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, DbOrTx } from '../../db/client.js';
import { tenants } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { assertTenantAdmin } from '../authorize-admin.js';
import { shippedLanguages } from '../notices/locales/index.js';
import { publishNotices } from '../notices/publish.js';
import type { Principal } from '../principal.js';

const text = z.string().trim().min(1).max(500);

export const settingsInput = z
  .object({
    controllerName: text,
    controllerContact: text.nullable(),
    dpoContact: text.nullable(),
    privacyPolicyUrl: z.url({ protocol: /^https?$/ }).max(500).nullable(),
    alternativeContact: text.nullable(),
    defaultLanguage: z.enum(shippedLanguages),
    storageLocation: text,
    messagingPostbacks: z.boolean(),
  })
  .partial();

export async function readSettings(db: DbOrTx, principal: Principal) {
  const admin = await assertTenantAdmin(db, principal);
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, admin.tenantId));
  return settingsOf(tenant!);
}

/**
 * Changes what the privacy notices say about the controller. Every notice whose
 * words change gets a new version in the same transaction; links already sent
 * keep pointing at the version they offered.
 */
export async function updateSettings(db: Db, principal: Principal, input: z.infer<typeof settingsInput>) {
  return db.transaction(async (tx) => {
    const admin = await assertTenantAdmin(tx, principal);
    const [tenant] = await tx
      .update(tenants)
      .set({ ...input, updatedAt: new Date() })
      .where(eq(tenants.id, admin.tenantId))
      .returning();
    const published = await publishNotices(tx, admin.tenantId, admin.agentId);
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: admin,
      action: 'tenant.settings_changed',
      subjectType: 'tenant',
      subjectId: admin.tenantId,
      details: { fields: Object.keys(input).sort().join(','), noticeVersionsPublished: published },
    });
    return { settings: settingsOf(tenant!), noticeVersionsPublished: published };
  });
}

function settingsOf(tenant: typeof tenants.$inferSelect) {
  return {
    controllerName: tenant.controllerName ?? tenant.name,
    controllerContact: tenant.controllerContact,
    dpoContact: tenant.dpoContact,
    privacyPolicyUrl: tenant.privacyPolicyUrl,
    alternativeContact: tenant.alternativeContact,
    defaultLanguage: tenant.defaultLanguage,
    storageLocation: tenant.storageLocation,
    messagingPostbacks: tenant.messagingPostbacks,
  };
}
