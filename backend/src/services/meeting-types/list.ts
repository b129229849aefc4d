import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { meetingTypes } from '../../db/schema/index.js';
import type { AgentPrincipal } from '../principal.js';

export async function listMeetingTypes(db: Db, principal: AgentPrincipal) {
  return db
    .select({
      id: meetingTypes.id,
      key: meetingTypes.key,
      name: meetingTypes.name,
      recordingPolicy: meetingTypes.recordingPolicy,
      media: meetingTypes.media,
      legalBasis: meetingTypes.legalBasis,
      e2ee: meetingTypes.e2ee,
    })
    .from(meetingTypes)
    .where(eq(meetingTypes.tenantId, principal.tenantId))
    .orderBy(asc(meetingTypes.name));
}
