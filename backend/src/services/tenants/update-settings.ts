import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, DbOrTx } from '../../db/client.js';
import { meetingTypes, tenants } from '../../db/schema/index.js';
import { PolicyViolation } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import { authorizeAccount } from '../access/policy.js';
import { shippedLanguages } from '../notices/locales/index.js';
import { publishNotices, type StoragePlaces } from '../notices/publish.js';
import type { Principal } from '../principal.js';
import { regionAllowed } from '../recordings/regions.js';

const text = z.string().trim().min(1).max(500);

export const settingsInput = z
  .object({
    controllerName: text,
    /** Art. 13(1)(a): every notice names how to reach the controller, so it can change but not be cleared. */
    controllerContact: text,
    dpoContact: text.nullable(),
    privacyPolicyUrl: z.url({ protocol: /^https?$/ }).max(500).nullable(),
    alternativeContact: text.nullable(),
    defaultLanguage: z.enum(shippedLanguages),
    storageLocation: text,
    messagingPostbacks: z.boolean(),
    /** Regions recordings may be stored in: a family ("eu") or one region ("eu-central-1"). */
    allowedRegions: z
      .array(z.string().regex(/^[a-z]{2}(-[a-z0-9]+)*$/, 'a region such as "eu" or "eu-central-1"'))
      .min(1)
      .max(20),
  })
  .partial();

export async function readSettings(db: DbOrTx, principal: Principal) {
  const admin = authorizeAccount(principal, 'configure');
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, admin.tenantId));
  return settingsOf(tenant!);
}

/**
 * Changes what the privacy notices say about the controller. Every notice whose
 * words change gets a new version in the same transaction; links already sent
 * keep pointing at the version they offered.
 */
export async function updateSettings(
  db: Db,
  principal: Principal,
  input: z.infer<typeof settingsInput>,
  locations: StoragePlaces,
) {
  return db.transaction(async (tx) => {
    const admin = authorizeAccount(principal, 'configure');
    if (input.allowedRegions) await assertLocationsStayAllowed(tx, admin.tenantId, input.allowedRegions, locations);
    const [tenant] = await tx
      .update(tenants)
      .set({ ...input, updatedAt: new Date() })
      .where(eq(tenants.id, admin.tenantId))
      .returning();
    const published = await publishNotices(tx, admin.tenantId, locations, admin.agentId);
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

/** Narrowing the regions must not strand a recording meeting type in a location it no longer allows. */
async function assertLocationsStayAllowed(tx: DbOrTx, tenantId: string, allowed: string[], locations: ReadonlyMap<string, { region: string }>) {
  const types = await tx
    .select({ name: meetingTypes.name, location: meetingTypes.storageLocation })
    .from(meetingTypes)
    .where(and(eq(meetingTypes.tenantId, tenantId), ne(meetingTypes.recordingPolicy, 'forbidden')));
  const stranded = types.filter((type) => {
    const region = locations.get(type.location)?.region;
    return region !== undefined && !regionAllowed(region, allowed);
  });
  if (stranded.length > 0) {
    throw new PolicyViolation(
      'REGION_IN_USE',
      `Move these meeting types to a location inside the new regions first: ${stranded.map((t) => `${t.name} (${t.location})`).join(', ')}.`,
    );
  }
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
    allowedRegions: tenant.allowedRegions,
  };
}
