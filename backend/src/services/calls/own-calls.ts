import { and, desc, eq, inArray } from 'drizzle-orm';
import { calls, cases, participants } from '../../db/schema/index.js';
import { ConflictError, ForbiddenError } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import type { ServiceDeps } from '../deps.js';
import type { AgentPrincipal } from '../principal.js';
import { getCall } from './get.js';
import { loadCallFor } from './load-call.js';
import { replaceSeatLink } from './seat-link.js';
import { isFinished } from './state-machine.js';

/**
 * The agent's own calls on one ticket or chat that have not ended, newest first: what the
 * sidebar shows again after a reload, so the agent sees the running call instead of a fresh
 * "Escalate" that would offer the customer a second one.
 */
export async function listOwnOpenCalls(deps: Pick<ServiceDeps, 'db'>, principal: AgentPrincipal, host: 'zendesk' | 'teams', externalId: string) {
  const rows = await deps.db
    .select({ id: calls.id })
    .from(calls)
    .innerJoin(cases, eq(cases.id, calls.caseId))
    .where(
      and(
        eq(calls.tenantId, principal.tenantId),
        eq(cases.host, host),
        eq(cases.externalId, externalId),
        eq(calls.agentId, principal.agentId),
        inArray(calls.state, ['created', 'active']),
      ),
    )
    .orderBy(desc(calls.createdAt));
  return Promise.all(rows.map(({ id }) => getCall(deps, principal, id)));
}

/**
 * A fresh single-use link into the call view for the agent who escalated the call, when the
 * first one is spent (the call window was closed, or the sidebar reloaded). Any earlier link not
 * used yet stops working, and redeeming this one moves the agent's seat to the new window: the
 * media token of the old one is revoked then.
 */
export async function issueAgentLink(deps: ServiceDeps, principal: AgentPrincipal, callId: string) {
  const link = await deps.db.transaction(async (tx) => {
    const loaded = await loadCallFor(tx, principal, callId, { forUpdate: true });
    if (loaded.call.agentId !== principal.agentId) throw new ForbiddenError('Only the agent who escalated this call can open it.');
    if (isFinished(loaded.call.state)) throw new ConflictError('CALL_ENDED', 'This call has already ended.');
    const [seat] = await tx
      .select({ id: participants.id })
      .from(participants)
      .where(and(eq(participants.tenantId, principal.tenantId), eq(participants.callId, callId), eq(participants.role, 'agent')));
    if (!seat) throw new ConflictError('CALL_ENDED', 'This call has no agent seat any more.');
    const fresh = await replaceSeatLink(tx, { tenantId: principal.tenantId, callId, participantId: seat.id }, deps.joinTokenTtlSeconds);
    await recordAudit(tx, {
      tenantId: principal.tenantId,
      actor: principal,
      action: 'call.agent_link_issued',
      subjectType: 'call',
      subjectId: callId,
      details: {},
    });
    return fresh;
  });
  return { link: `${deps.publicBaseUrl}/j/${link.token}`, expiresAt: link.expiresAt.toISOString() };
}
