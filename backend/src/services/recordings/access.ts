import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { calls, cases, recordings } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { authorize, decide, type Resource } from '../access/policy.js';
import { sensitiveActions } from '../access/permissions.js';
import { recordAudit } from '../audit/record.js';
import type { Action } from '../access/permissions.js';
import type { Principal } from '../principal.js';

export type RecordingRow = typeof recordings.$inferSelect;

const recordingNotFound = () => new NotFoundError('RECORDING_NOT_FOUND', 'No such recording.');

/** What the policy needs to know about a recording: its tenant, meeting type and client. */
export const recordingResourceColumns = {
  tenantId: recordings.tenantId,
  meetingTypeId: calls.meetingTypeId,
  clientId: cases.clientId,
};

/**
 * A list of recordings as the principal may see it: each passes the policy on its own, and what
 * they may not see is simply left out. Looking at someone's recordings is a sensitive read, so a
 * non-empty list is audited against its subject, with how many were withheld.
 */
export async function listPermitted<T extends { resource: Resource }>(
  db: DbOrTx,
  principal: Principal,
  rows: readonly T[],
  subject: { type: 'customer' | 'case'; id: string },
): Promise<T[]> {
  const shown = rows.filter(({ resource }) => decide(principal, 'list_recordings', resource).allowed);
  if (rows.length > 0) {
    await recordAudit(db, {
      tenantId: principal.tenantId,
      actor: principal,
      action: 'recordings.listed',
      subjectType: subject.type,
      subjectId: subject.id,
      details: { shown: shown.length, withheld: rows.length - shown.length },
    });
  }
  return shown;
}

/** Loads a recording with the object in hand for the policy check; another tenant's looks missing. */
export async function loadRecordingFor(db: DbOrTx, principal: Principal, recordingId: string, action: Action) {
  const [row] = await db
    .select({ recording: recordings, resource: recordingResourceColumns })
    .from(recordings)
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .innerJoin(cases, eq(cases.id, recordings.caseId))
    .where(and(eq(recordings.id, recordingId), eq(recordings.tenantId, principal.tenantId)));
  if (!row) throw recordingNotFound();
  const decision = decide(principal, action, row.resource);
  // A refused sensitive read is evidence too: someone tried to see what they may not.
  if (!decision.allowed && decision.reason !== 'other_tenant' && sensitiveActions.has(action)) {
    await recordAudit(db, {
      tenantId: principal.tenantId,
      actor: principal,
      action: 'access.denied',
      subjectType: 'recording',
      subjectId: recordingId,
      details: { attempted: action, reason: decision.reason },
    });
  }
  const agent = authorize(principal, action, row.resource, recordingNotFound());
  return { recording: row.recording, resource: row.resource, agent };
}
