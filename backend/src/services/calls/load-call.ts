import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { perDatabase } from '../../db/per-database.js';
import { calls, cases, meetingTypes, participants, tenants } from '../../db/schema/index.js';
import { ForbiddenError, GoneError, NotFoundError } from '../../errors.js';
import { authorize } from '../access/policy.js';
import { latestConsent } from '../consent/state.js';
import type { Principal } from '../principal.js';

/**
 * Loads a call the principal may see: a participant of this very call, the agent who made it, or
 * an agent the policy lets handle calls of its meeting type and client. Other tenants' calls look
 * like missing ones.
 */
const callNotFound = () => new NotFoundError('CALL_NOT_FOUND', 'No such call.');

export async function loadCallFor(db: DbOrTx, principal: Principal, callId: string, options: { forUpdate?: boolean } = {}) {
  if (principal.kind === 'call-participant' && principal.callId !== callId) {
    throw new ForbiddenError('This call session belongs to another call.');
  }
  const [row] = await (options.forUpdate ? callForUpdate : callRow)(db).execute({ callId, tenantId: principal.tenantId });
  if (!row) throw callNotFound();
  if (principal.kind === 'call-participant') {
    // A session outlives nothing its holder lost: removed from the call means locked out of it.
    const [self] = await db
      .select({ removedAt: participants.removedAt })
      .from(participants)
      .where(and(eq(participants.id, principal.participantId), eq(participants.tenantId, principal.tenantId)));
    if (!self || self.removedAt) throw new GoneError('PARTICIPANT_REMOVED', 'You were removed from this call.');
  }
  if (principal.kind === 'agent' && row.call.agentId !== principal.agentId) {
    authorize(principal, 'escalate', { tenantId: row.call.tenantId, meetingTypeId: row.call.meetingTypeId, clientId: row.clientId }, callNotFound());
  }
  return { call: row.call, meetingType: row.meetingType, accountRecordingOff: row.recordingEnabledAt === null, recordingConsent: row.recordingConsent };
}

const callQuery = (db: DbOrTx) =>
  db
    .select({
      call: calls,
      meetingType: meetingTypes,
      clientId: cases.clientId,
      recordingEnabledAt: tenants.recordingEnabledAt,
      // The customer's latest answer about recording, derived as everywhere else.
      recordingConsent: latestConsent('recording'),
    })
    .from(calls)
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .innerJoin(cases, eq(cases.id, calls.caseId))
    .innerJoin(tenants, eq(tenants.id, calls.tenantId))
    .where(and(eq(calls.id, sql.placeholder('callId')), eq(calls.tenantId, sql.placeholder('tenantId'))));
const callRow = perDatabase((db) => callQuery(db).prepare('call_load'));
const callForUpdate = perDatabase((db) => callQuery(db).for('update', { of: calls }).prepare('call_load_for_update'));

const participantRows = perDatabase((db) =>
  db
    .select()
    .from(participants)
    .where(and(eq(participants.tenantId, sql.placeholder('tenantId')), eq(participants.callId, sql.placeholder('callId'))))
    .prepare('call_participants'),
);

export async function loadParticipants(db: DbOrTx, tenantId: string, callId: string) {
  return participantRows(db).execute({ tenantId, callId });
}

export type LoadedCall = Awaited<ReturnType<typeof loadCallFor>>;
export type LoadedParticipant = Awaited<ReturnType<typeof loadParticipants>>[number];

type ViewedCall = Pick<LoadedCall['call'], 'id' | 'state' | 'createdAt' | 'startedAt' | 'endedAt' | 'endReason' | 'recordingActive' | 'lockedAt'>;
type ViewedMeetingType = Pick<LoadedCall['meetingType'], 'id' | 'key' | 'name' | 'recordingPolicy' | 'media' | 'legalBasis'>;
type ViewedParticipant = Pick<LoadedParticipant, 'id' | 'role' | 'admittedAt' | 'removedAt' | 'lobbyEnteredAt' | 'joinedAt' | 'leftAt'>;

/**
 * The view of a call every route returns. Holds no personal data and no media secrets.
 * `accountRecordingOff`: the account records nothing now, so neither side is offered recording.
 * `recordingConsent`: the customer's latest answer about recording (null before any).
 */
export function callView(
  {
    call,
    meetingType,
    accountRecordingOff,
    recordingConsent,
  }: { call: ViewedCall; meetingType: ViewedMeetingType; accountRecordingOff: boolean; recordingConsent: LoadedCall['recordingConsent'] },
  people: ViewedParticipant[],
) {
  return {
    id: call.id,
    state: call.state,
    createdAt: call.createdAt.toISOString(),
    startedAt: call.startedAt?.toISOString() ?? null,
    endedAt: call.endedAt?.toISOString() ?? null,
    endReason: call.endReason,
    meetingType: {
      id: meetingType.id,
      key: meetingType.key,
      name: meetingType.name,
      recordingPolicy: meetingType.recordingPolicy,
      media: meetingType.media,
    },
    recording: {
      active: call.recordingActive,
      accountRecordingOff,
      // What `setRecording` checks before it starts one: only consent as the basis needs the customer's yes.
      customerConsent: meetingType.legalBasis !== 'consent' ? ('not_needed' as const) : (recordingConsent ?? ('pending' as const)),
    },
    /** Once both are in, nobody else can enter the media room. */
    locked: call.lockedAt !== null,
    participants: people
      .map((p) => ({
        id: p.id,
        role: p.role,
        admission: admissionOf(p),
        joinedAt: p.joinedAt?.toISOString() ?? null,
        leftAt: p.leftAt?.toISOString() ?? null,
      }))
      .sort((a, b) => a.role.localeCompare(b.role)),
  };
}
export type CallView = ReturnType<typeof callView>;

/**
 * Where a participant stands: `invited` until they redeem their link, `waiting` in the lobby,
 * `admitted` once they hold a media token, `removed` after the agent took them out.
 */
export function admissionOf(p: Pick<LoadedParticipant, 'admittedAt' | 'removedAt' | 'lobbyEnteredAt'>) {
  if (p.removedAt) return 'removed' as const;
  if (p.admittedAt) return 'admitted' as const;
  return p.lobbyEnteredAt ? ('waiting' as const) : ('invited' as const);
}

/** The media room a call lives in. */
export function roomOf(call: { mediaNodeId: string; mediaRoomId: number; mediaRoomSecret: string }) {
  return { nodeId: call.mediaNodeId, roomId: call.mediaRoomId, secret: call.mediaRoomSecret };
}
