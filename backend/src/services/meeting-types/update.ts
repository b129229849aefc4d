import { and, count, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { calls, meetingTypes } from '../../db/schema/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { authorize } from '../access/policy.js';
import type { AuditDetails } from '../audit/chain.js';
import { recordAudit } from '../audit/record.js';
import { publishNotices, type StoragePlaces } from '../notices/publish.js';
import type { Principal } from '../principal.js';
import { configurationProblems, type MeetingTypeChange } from './change-input.js';
import { meetingTypeColumns } from './list.js';

const changeableFields = ['name', 'recordingPolicy', 'media', 'legalBasis', 'e2ee', 'lobby', 'silentSupervision'] as const;

/**
 * Fields a running call reads from its meeting type while it runs (recording starts when both
 * join, the agent's toggle, the room's encryption). Changing them under a call would apply rules
 * the customer was not told about when they consented.
 */
const fieldsLiveCallsDependOn: ReadonlySet<string> = new Set(['recordingPolicy', 'media', 'legalBasis', 'e2ee']);

export const meetingTypeNotFound = () => new NotFoundError('MEETING_TYPE_NOT_FOUND', 'No such meeting type for this account.');

/**
 * Changes a meeting type. Refused with 400 when the result would be unlawful or unworkable
 * (`configurationProblems`), with 409 while calls of the type are still open. Every notice whose
 * words change gets a new version in the same transaction, so links sent from now on show the new
 * words and links already sent keep the version they offered.
 */
export async function updateMeetingType(db: Db, principal: Principal, meetingTypeId: string, input: MeetingTypeChange, places: StoragePlaces) {
  return db.transaction(async (tx) => {
    // Locked: two admins saving at once must not each pass the rules against a stale row.
    const [current] = await tx
      .select()
      .from(meetingTypes)
      .where(and(eq(meetingTypes.id, meetingTypeId), eq(meetingTypes.tenantId, principal.tenantId)))
      .for('update');
    if (!current) throw meetingTypeNotFound();
    const admin = authorize(principal, 'configure', { tenantId: current.tenantId, meetingTypeId: current.id }, meetingTypeNotFound());

    const next = { ...current, ...input };
    const problems = configurationProblems(next);
    if (problems.length > 0) throw new ValidationError(problems[0]!.code, problems.map((p) => p.message).join(' '));

    const changed = changeableFields.filter((field) => input[field] !== undefined && input[field] !== current[field]);
    if (changed.length === 0) return { meetingType: pick(current), noticeVersionsPublished: 0 };

    if (changed.some((field) => fieldsLiveCallsDependOn.has(field))) {
      const [open] = await tx
        .select({ n: count() })
        .from(calls)
        .where(and(eq(calls.tenantId, current.tenantId), eq(calls.meetingTypeId, current.id), inArray(calls.state, ['created', 'active'])));
      if (open && open.n > 0) {
        throw new ConflictError(
          'MEETING_TYPE_IN_USE',
          `${open.n} call(s) of this meeting type are still open; change its recording, media, legal basis or encryption once they have ended.`,
        );
      }
    }

    const [updated] = await tx
      .update(meetingTypes)
      .set({ ...Object.fromEntries(changed.map((field) => [field, next[field]])), updatedAt: new Date() })
      .where(eq(meetingTypes.id, current.id))
      .returning(meetingTypeColumns);
    const noticeVersionsPublished = await publishNotices(tx, current.tenantId, places, admin.agentId);

    const details: AuditDetails = { fields: changed.join(','), noticeVersionsPublished };
    for (const field of changed) {
      details[`before.${field}`] = current[field];
      details[`after.${field}`] = next[field];
    }
    await recordAudit(tx, {
      tenantId: current.tenantId,
      actor: admin,
      action: 'meeting_type.changed',
      subjectType: 'meeting_type',
      subjectId: current.id,
      details,
    });
    return { meetingType: updated!, noticeVersionsPublished };
  });
}

function pick(row: typeof meetingTypes.$inferSelect) {
  const { id, key, name, recordingPolicy, media, legalBasis, e2ee, lobby, silentSupervision, storageLocation, retentionDays, metadataRetentionDays, consentRetentionDays } =
    row;
  return { id, key, name, recordingPolicy, media, legalBasis, e2ee, lobby, silentSupervision, storageLocation, retentionDays, metadataRetentionDays, consentRetentionDays };
}
