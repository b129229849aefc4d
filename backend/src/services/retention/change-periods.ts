import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { meetingTypes } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';
import { countDueUnder } from './delete-due-call-data.js';

const days = z.number().int().min(1).max(36_500);

export const retentionInput = z
  .object({
    /** Days a recording is kept after it is stored. */
    recordingDays: days,
    /** Days the call's metadata is kept after the call ends. */
    metadataDays: days,
    /** Days consent records are kept after the call ends. */
    consentDays: days,
    /** False: only show what the change would delete at the next run. True: save it. */
    confirm: z.boolean().default(false),
  })
  // A call holds its recording and consent records: it cannot go before them.
  .refine((p) => p.metadataDays >= p.recordingDays, { message: 'call metadata must be kept at least as long as recordings', path: ['metadataDays'] })
  .refine((p) => p.metadataDays >= p.consentDays, { message: 'call metadata must be kept at least as long as consent records', path: ['metadataDays'] });

/**
 * Changes a meeting type's retention periods. They apply from now on to everything of the type,
 * so the answer first says how much the next retention run would delete under them (held items
 * are counted apart and kept); only `confirm: true` saves.
 */
export async function changeRetention(db: Db, principal: Principal, meetingTypeId: string, input: z.infer<typeof retentionInput>) {
  const admin = authorizeAccount(principal, 'configure');
  const [type] = await db
    .select()
    .from(meetingTypes)
    .where(and(eq(meetingTypes.id, meetingTypeId), eq(meetingTypes.tenantId, admin.tenantId)));
  if (!type) throw new NotFoundError('MEETING_TYPE_NOT_FOUND', 'No such meeting type for this account.');
  const periods = { retentionDays: input.recordingDays, metadataRetentionDays: input.metadataDays, consentRetentionDays: input.consentDays };
  const affected = await countDueUnder(db, type.id, periods);
  const current = { recordingDays: type.retentionDays, metadataDays: type.metadataRetentionDays, consentDays: type.consentRetentionDays };
  if (!input.confirm) return { saved: false, current, affected };
  await db.transaction(async (tx) => {
    await tx.update(meetingTypes).set({ ...periods, updatedAt: new Date() }).where(eq(meetingTypes.id, type.id));
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: admin,
      action: 'meeting_type.retention_changed',
      subjectType: 'meeting_type',
      subjectId: type.id,
      details: {
        recordingDays: input.recordingDays,
        metadataDays: input.metadataDays,
        consentDays: input.consentDays,
        previousRecordingDays: current.recordingDays,
        previousMetadataDays: current.metadataDays,
        previousConsentDays: current.consentDays,
        recordingsDueNow: affected.recordings,
      },
    });
  });
  return { saved: true, current: { recordingDays: input.recordingDays, metadataDays: input.metadataDays, consentDays: input.consentDays }, affected };
}
