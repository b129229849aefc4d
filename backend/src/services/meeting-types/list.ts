import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { meetingTypes } from '../../db/schema/index.js';
import type { AgentPrincipal } from '../principal.js';

/** A meeting type as the API shows it: `GET /api/meeting-types` and the editor's answers alike. */
export const meetingTypeColumns = {
  id: meetingTypes.id,
  key: meetingTypes.key,
  name: meetingTypes.name,
  recordingPolicy: meetingTypes.recordingPolicy,
  media: meetingTypes.media,
  legalBasis: meetingTypes.legalBasis,
  e2ee: meetingTypes.e2ee,
  lobby: meetingTypes.lobby,
  silentSupervision: meetingTypes.silentSupervision,
  storageLocation: meetingTypes.storageLocation,
  retentionDays: meetingTypes.retentionDays,
  metadataRetentionDays: meetingTypes.metadataRetentionDays,
  consentRetentionDays: meetingTypes.consentRetentionDays,
};

export async function listMeetingTypes(db: Db, principal: AgentPrincipal) {
  return db.select(meetingTypeColumns).from(meetingTypes).where(eq(meetingTypes.tenantId, principal.tenantId)).orderBy(asc(meetingTypes.name));
}
