import { and, asc, eq, inArray, or } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.js';
import {
  calls,
  cases,
  consentRecords,
  consentRequests,
  customerRefs,
  customers,
  meetingTypes,
  noticeVersions,
  participants,
  recordings,
  tenants,
} from '../../../db/schema/index.js';
import { callCasesOf } from '../subject.js';
import { recordingEntryName } from './settings.js';

const iso = (value: Date | null | undefined) => (value ? value.toISOString() : null);

/** Stages whose media is stored and readable: only these go into a bundle. */
const READABLE_STAGES = new Set(['stored', 'done']);

/**
 * Everything Parley holds about one customer of one tenant, as the data subject may read it
 * (Art. 15(1), (3)) and take it elsewhere (Art. 20). Every query is bound to the tenant and the
 * customer, or to ids already bound to them: nothing of another customer can enter. Staff appear
 * by role only, and media-server secrets are left out (they are not about the subject).
 */
export async function collectSubjectData(db: DbOrTx, tenantId: string, customerId: string) {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, tenantId));
  const [customer] = await db.select().from(customers).where(and(eq(customers.tenantId, tenantId), eq(customers.id, customerId)));
  if (!tenant || !customer) return null;

  const refs = await db
    .select({ host: customerRefs.host, externalId: customerRefs.externalId, createdAt: customerRefs.createdAt })
    .from(customerRefs)
    .where(and(eq(customerRefs.tenantId, tenantId), eq(customerRefs.customerId, customerId)));
  // Their cases, and the tickets or chats of someone else that one of their calls was on.
  const caseRows = await db
    .select()
    .from(cases)
    .where(and(eq(cases.tenantId, tenantId), or(eq(cases.customerId, customerId), inArray(cases.id, callCasesOf(db, tenantId, customerId)))))
    .orderBy(asc(cases.createdAt));
  const callRows = await db
    .select({ call: calls, type: meetingTypes })
    .from(calls)
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .where(and(eq(calls.tenantId, tenantId), eq(calls.customerId, customerId)))
    .orderBy(asc(calls.createdAt));
  const callIds = callRows.map((r) => r.call.id);
  const participantRows = callIds.length
    ? await db.select().from(participants).where(and(eq(participants.tenantId, tenantId), inArray(participants.callId, callIds)))
    : [];
  const offerRows = await db
    .select()
    .from(consentRequests)
    .where(and(eq(consentRequests.tenantId, tenantId), eq(consentRequests.customerId, customerId)))
    .orderBy(asc(consentRequests.createdAt));
  const consentRows = await db
    .select({ record: consentRecords, notice: noticeVersions })
    .from(consentRecords)
    .innerJoin(noticeVersions, eq(noticeVersions.id, consentRecords.noticeVersionId))
    .where(and(eq(consentRecords.tenantId, tenantId), eq(consentRecords.customerId, customerId)))
    .orderBy(asc(consentRecords.at));
  // Notices offered but never decided on were shown too.
  const offeredNoticeIds = [...new Set(offerRows.map((o) => o.noticeVersionId))].filter((id) => !consentRows.some((r) => r.notice.id === id));
  const offeredNotices = offeredNoticeIds.length
    ? await db.select().from(noticeVersions).where(and(eq(noticeVersions.tenantId, tenantId), inArray(noticeVersions.id, offeredNoticeIds)))
    : [];
  const recordingRows = await db
    .select()
    .from(recordings)
    .where(and(eq(recordings.tenantId, tenantId), eq(recordings.customerId, customerId)))
    .orderBy(asc(recordings.createdAt));

  const notices = new Map<string, typeof noticeVersions.$inferSelect>();
  for (const row of consentRows) notices.set(row.notice.id, row.notice);
  for (const notice of offeredNotices) notices.set(notice.id, notice);
  const meetingTypeNames = new Map(callRows.map((r) => [r.type.id, r.type]));

  const recordingList = recordingRows.map((r) => {
    const included = READABLE_STAGES.has(r.stage) && !!r.objectKey && !!r.wrappedKey && !!r.subjectKeyId;
    const status = r.stage === 'deleted' ? 'deleted' : r.stage === 'failed' ? 'failed' : READABLE_STAGES.has(r.stage) ? 'available' : 'processing';
    return {
      id: r.id,
      callId: r.callId,
      caseId: r.caseId,
      media: r.media,
      status,
      durationSeconds: r.durationSeconds,
      storedAt: iso(r.storedAt),
      deletedAt: iso(r.deletedAt),
      deletionReason: r.deletionReason,
      storageLocation: r.storageLocation,
      /** SHA-256 of the media file, to check the copy in this bundle. */
      sha256: included ? r.mediaSha256 : null,
      file: included ? recordingEntryName(r.id) : null,
    };
  });

  return {
    formatVersion: 1,
    controller: {
      name: tenant.controllerName ?? tenant.name,
      contact: tenant.controllerContact,
      dataProtectionOfficer: tenant.dpoContact,
      privacyPolicyUrl: tenant.privacyPolicyUrl,
      storageLocation: tenant.storageLocation,
    },
    customer: {
      id: customer.id,
      displayName: customer.displayName,
      email: customer.email,
      locale: customer.locale,
      createdAt: iso(customer.createdAt),
      erasedAt: iso(customer.erasedAt),
      references: refs.map((r) => ({ host: r.host, externalId: r.externalId, createdAt: iso(r.createdAt) })),
    },
    meetingTypes: [...meetingTypeNames.values()].map((t) => ({
      id: t.id,
      key: t.key,
      name: t.name,
      legalBasis: t.legalBasis,
      recordingPolicy: t.recordingPolicy,
      media: t.media,
      recordingRetentionDays: t.retentionDays,
      metadataRetentionDays: t.metadataRetentionDays,
      consentRetentionDays: t.consentRetentionDays,
    })),
    cases: caseRows.map((c) => ({
      id: c.id,
      host: c.host,
      externalId: c.externalId,
      channel: c.channel,
      // Another customer's case (their call was on it): its conversation is that customer's.
      conversationId: c.customerId === customerId ? c.conversationId : null,
      createdAt: iso(c.createdAt),
    })),
    calls: callRows.map(({ call, type }) => ({
      id: call.id,
      caseId: call.caseId,
      meetingType: type.key,
      state: call.state,
      createdAt: iso(call.createdAt),
      startedAt: iso(call.startedAt),
      endedAt: iso(call.endedAt),
      endReason: call.endReason,
      participants: participantRows
        .filter((p) => p.callId === call.id)
        .map((p) => ({
          role: p.role,
          lobbyEnteredAt: iso(p.lobbyEnteredAt),
          admittedAt: iso(p.admittedAt),
          removedAt: iso(p.removedAt),
          joinedAt: iso(p.joinedAt),
          leftAt: iso(p.leftAt),
        })),
    })),
    consentOffers: offerRows.map((o) => ({
      id: o.id,
      callId: o.callId,
      channel: o.channel,
      /** The chat (Zendesk messaging, Teams) the offer was sent into; null for a ticket or a link handed over. */
      conversationId: o.conversationId,
      noticeVersionId: o.noticeVersionId,
      language: o.language,
      sentAt: iso(o.createdAt),
      expiresAt: iso(o.expiresAt),
      decidedAt: iso(o.decidedAt),
    })),
    consentRecords: consentRows.map(({ record, notice }) => ({
      id: record.id,
      callId: record.callId,
      purpose: record.purpose,
      event: record.event,
      granted: record.granted,
      at: iso(record.at),
      channel: record.channel,
      language: record.language,
      noticeVersionId: record.noticeVersionId,
      noticeVersion: notice.version,
      noticeHash: record.noticeHash,
    })),
    notices: [...notices.values()].map((n) => ({
      id: n.id,
      meetingType: meetingTypeNames.get(n.meetingTypeId)?.key ?? null,
      language: n.language,
      version: n.version,
      contentHash: n.contentHash,
      content: n.content,
    })),
    recordings: recordingList,
  };
}

export type SubjectData = NonNullable<Awaited<ReturnType<typeof collectSubjectData>>>;
