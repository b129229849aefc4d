import { and, desc, eq, inArray } from 'drizzle-orm';
import { calls, cases, consentRecords, joinTokens, meetingTypes, noticeVersions, participants } from '../../db/schema/index.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import { authorize, decide } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { ServiceDeps } from '../deps.js';
import type { NoticeContent } from '../notices/content.js';
import type { AgentPrincipal } from '../principal.js';
import { newJoinToken } from './join-token.js';
import { isFinished } from './state-machine.js';

const callNotFound = () => new NotFoundError('CALL_NOT_FOUND', 'No such call.');

/**
 * A supervisor asks to listen to a running call. Allowed only where the meeting type permits silent
 * supervision AND the notice the customer agreed to said a supervisor may listen: a notice published
 * before the setting was switched on does not count. Returns a single-use join link; the page it
 * opens subscribes to both participants and never publishes. One supervisor seat per call: asking
 * again issues a new link (the old media token goes when the new one is redeemed), unless the agent
 * removed the supervisor from this call.
 */
export async function superviseCall(deps: ServiceDeps, principal: AgentPrincipal, callId: string) {
  const [row] = await deps.db
    .select({ call: calls, meetingType: meetingTypes, clientId: cases.clientId })
    .from(calls)
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .innerJoin(cases, eq(cases.id, calls.caseId))
    .where(and(eq(calls.id, callId), eq(calls.tenantId, principal.tenantId)));
  if (!row) throw callNotFound();
  authorize(principal, 'supervise', { tenantId: row.call.tenantId, meetingTypeId: row.call.meetingTypeId, clientId: row.clientId }, callNotFound());
  if (isFinished(row.call.state)) throw new ConflictError('CALL_ENDED', 'This call has already ended.');
  if (!row.meetingType.silentSupervision) throw new ForbiddenError(`Calls of the meeting type "${row.meetingType.name}" cannot be supervised.`);
  await assertNoticeDisclosedSupervision(deps, principal.tenantId, callId);

  const link = newJoinToken();
  const expiresAt = new Date(Date.now() + deps.joinTokenTtlSeconds * 1000);
  await deps.db.transaction(async (tx) => {
    const [locked] = await tx.select({ state: calls.state }).from(calls).where(eq(calls.id, callId)).for('update');
    if (!locked || isFinished(locked.state)) throw new ConflictError('CALL_ENDED', 'This call has already ended.');
    const [seat] = await tx
      .select()
      .from(participants)
      .where(and(eq(participants.tenantId, principal.tenantId), eq(participants.callId, callId), eq(participants.role, 'supervisor')));
    if (seat?.removedAt) throw new ConflictError('PARTICIPANT_REMOVED', 'The agent removed the supervisor from this call.');
    const now = new Date();
    const participantId = seat
      ? (await tx.update(participants).set({ agentId: principal.agentId, updatedAt: now }).where(eq(participants.id, seat.id)).returning({ id: participants.id }))[0]!.id
      : (await tx.insert(participants).values({ tenantId: principal.tenantId, callId, role: 'supervisor', agentId: principal.agentId }).returning({ id: participants.id }))[0]!.id;
    await tx.insert(joinTokens).values({ tenantId: principal.tenantId, callId, participantId, tokenHash: link.hash, expiresAt });
    await recordAudit(tx, {
      tenantId: principal.tenantId,
      actor: principal,
      action: 'call.supervision_requested',
      subjectType: 'call',
      subjectId: callId,
      details: { meetingType: row.meetingType.key },
    });
  });
  return { link: `${deps.publicBaseUrl}/j/${link.token}`, expiresAt: expiresAt.toISOString() };
}

/** The customer's latest "yes" to joining names the notice version they read: it must mention supervision. */
async function assertNoticeDisclosedSupervision(deps: ServiceDeps, tenantId: string, callId: string): Promise<void> {
  const [agreed] = await deps.db
    .select({ content: noticeVersions.content, granted: consentRecords.granted })
    .from(consentRecords)
    .innerJoin(noticeVersions, eq(noticeVersions.id, consentRecords.noticeVersionId))
    .where(and(eq(consentRecords.tenantId, tenantId), eq(consentRecords.callId, callId), eq(consentRecords.purpose, 'join')))
    .orderBy(desc(consentRecords.at))
    .limit(1);
  if (!agreed?.granted) throw new ConflictError('CUSTOMER_NOT_JOINED', 'The customer has not agreed to join this call.');
  if ((agreed.content as NoticeContent).supervision !== true) {
    throw new ConflictError('SUPERVISION_NOT_DISCLOSED', 'The customer agreed to this call under a notice that did not say a supervisor may listen.');
  }
}

/**
 * The running calls of one ticket or chat this user could listen to: what the sidebar offers a
 * supervisor as "Listen in". Whether the customer's notice allowed it is checked on the request itself.
 */
export async function listSupervisableCalls(deps: Pick<ServiceDeps, 'db'>, principal: AgentPrincipal, host: 'zendesk' | 'teams', externalId: string) {
  const rows = await deps.db
    .select({ id: calls.id, state: calls.state, startedAt: calls.startedAt, meetingTypeId: calls.meetingTypeId, meetingTypeName: meetingTypes.name, clientId: cases.clientId })
    .from(calls)
    .innerJoin(cases, eq(cases.id, calls.caseId))
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .where(
      and(
        eq(calls.tenantId, principal.tenantId),
        eq(cases.host, host),
        eq(cases.externalId, externalId),
        inArray(calls.state, ['created', 'active']),
        eq(meetingTypes.silentSupervision, true),
      ),
    )
    .orderBy(desc(calls.createdAt));
  return rows
    .filter((row) => decide(principal, 'supervise', { tenantId: principal.tenantId, meetingTypeId: row.meetingTypeId, clientId: row.clientId }).allowed)
    .map((row) => ({ id: row.id, state: row.state, meetingTypeName: row.meetingTypeName, startedAt: row.startedAt?.toISOString() ?? null }));
}
