import type { DbOrTx } from '../../db/client.js';
import { auditEvents } from '../../db/schema/index.js';
import type { AgentPrincipal, CallParticipantPrincipal } from '../principal.js';

/** Who did it: an agent, a call participant, or Parley itself. */
export type AuditActor =
  | Pick<AgentPrincipal, 'kind' | 'agentId'>
  | Pick<CallParticipantPrincipal, 'kind' | 'participantId' | 'role'>
  | { kind: 'system' };

export interface AuditEntry {
  tenantId: string;
  actor: AuditActor;
  action: string;
  subjectType: string;
  subjectId: string;
  /** Ids, states and flags only: the audit trail never holds personal data. */
  details?: Record<string, string | number | boolean | null>;
}

function actorOf(actor: AuditEntry['actor']): { actorType: string; actorId: string | null } {
  switch (actor.kind) {
    case 'agent':
      return { actorType: 'agent', actorId: actor.agentId };
    case 'call-participant':
      return { actorType: `participant:${actor.role}`, actorId: actor.participantId };
    case 'system':
      return { actorType: 'system', actorId: null };
  }
}

/** Call inside the transaction that makes the change, so the trail never disagrees with the data. */
export async function recordAudit(tx: DbOrTx, entry: AuditEntry): Promise<void> {
  await tx.insert(auditEvents).values({
    tenantId: entry.tenantId,
    ...actorOf(entry.actor),
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    details: entry.details ?? {},
  });
}
