import { and, desc, eq, sql, type SQLWrapper } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { PolicyViolation } from '../../errors.js';
import { perDatabase } from '../../db/per-database.js';
import { meetingTypes, noticeVersions, tenants } from '../../db/schema/index.js';
import { buildNotice, hashNotice, type NoticeContent, type NoticeFacts } from './content.js';
import { shippedLanguages, type ShippedLanguage } from './locales/index.js';

/**
 * This deployment's storage locations by name, with their regions: a recorded meeting type's
 * notice says where its recordings are kept (`BlobStore`s are such a map).
 */
export type StoragePlaces = ReadonlyMap<string, { region: string }>;

/**
 * Brings every meeting type's notice up to date with the tenant's facts: a
 * language whose text changed gets a new version; unchanged ones are left alone,
 * so versions only move when the words do.
 */
export async function publishNotices(tx: DbOrTx, tenantId: string, places: StoragePlaces, createdBy?: string): Promise<number> {
  const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) return 0;
  const types = await tx.select().from(meetingTypes).where(eq(meetingTypes.tenantId, tenantId));
  let published = 0;
  for (const type of types) {
    for (const language of shippedLanguages) {
      const content = buildNotice(language, noticeFacts(tenant, type, places));
      const contentHash = hashNotice(content);
      const latest = await latestNotice(tx, tenantId, type.id, language);
      if (latest?.contentHash === contentHash) continue;
      await tx.insert(noticeVersions).values({
        tenantId,
        meetingTypeId: type.id,
        language,
        version: (latest?.version ?? 0) + 1,
        content,
        contentHash,
        createdBy,
      });
      published++;
    }
  }
  return published;
}

type MeetingTypeFacts = Pick<
  typeof meetingTypes.$inferSelect,
  'name' | 'recordingPolicy' | 'legalBasis' | 'media' | 'retentionDays' | 'silentSupervision' | 'storageLocation'
>;

/**
 * What a notice states, from the tenant's facts and one meeting type: published and previewed alike.
 * While recording is switched off for the account nothing is recorded, so the notice says so and
 * the customer is not asked about recording; switching it on publishes the type's own policy.
 */
export function noticeFacts(tenant: typeof tenants.$inferSelect, type: MeetingTypeFacts, places: StoragePlaces): NoticeFacts {
  const recordingPolicy = tenant.recordingEnabledAt ? type.recordingPolicy : 'forbidden';
  const place = places.get(type.storageLocation);
  if (recordingPolicy !== 'forbidden' && !place) {
    throw new PolicyViolation(
      'UNKNOWN_STORAGE_LOCATION',
      `${type.name} keeps its recordings in "${type.storageLocation}", which this deployment does not have; choose another storage location for it first.`,
    );
  }
  return {
    controllerName: tenant.controllerName ?? tenant.name,
    controllerContact: tenant.controllerContact,
    dpoContact: tenant.dpoContact,
    privacyPolicyUrl: tenant.privacyPolicyUrl,
    storageLocation: tenant.storageLocation,
    ...(recordingPolicy !== 'forbidden' ? { recordingsRegion: place!.region } : {}),
    meetingTypeName: type.name,
    recordingPolicy,
    legalBasis: type.legalBasis,
    media: type.media,
    retentionDays: type.retentionDays,
    silentSupervision: type.silentSupervision,
  };
}

/**
 * The latest version of a meeting type's notice in one language, as a query to run or to join:
 * its tenant, meeting type and language may be placeholders or columns of an outer query.
 */
export function latestNoticeQuery(db: DbOrTx, of: { tenantId: SQLWrapper; meetingTypeId: SQLWrapper; language: SQLWrapper }) {
  return db
    .select()
    .from(noticeVersions)
    .where(and(eq(noticeVersions.tenantId, of.tenantId), eq(noticeVersions.meetingTypeId, of.meetingTypeId), eq(noticeVersions.language, of.language)))
    .orderBy(desc(noticeVersions.version))
    .limit(1);
}

const latestNoticeRow = perDatabase((db) =>
  latestNoticeQuery(db, { tenantId: sql.placeholder('tenantId'), meetingTypeId: sql.placeholder('meetingTypeId'), language: sql.placeholder('language') }).prepare(
    'latest_notice',
  ),
);

export async function latestNotice(tx: DbOrTx, tenantId: string, meetingTypeId: string, language: ShippedLanguage) {
  const [row] = await latestNoticeRow(tx).execute({ tenantId, meetingTypeId, language });
  return row ? { ...row, content: row.content as NoticeContent } : undefined;
}
