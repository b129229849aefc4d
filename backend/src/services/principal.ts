import type { Action } from './access/permissions.js';

/** Who is calling a service. Routes build it from a verified token; services authorize on it. */
export type Principal = AgentPrincipal | CallParticipantPrincipal;

export interface AgentPrincipal {
  kind: 'agent';
  tenantId: string;
  agentId: string;
  /** What this user may do, loaded from the database on every request (`services/access/load-access.ts`). */
  access: AgentAccess;
}

/** Role grants and client assignments, resolved: the policy decides on these alone, without I/O. */
export interface AgentAccess {
  /** Role names, for display and audit. */
  roles: readonly string[];
  /** Per action: every meeting type, or these meeting type ids. An action absent here is denied. */
  grants: ReadonlyMap<Action, 'all' | ReadonlySet<string>>;
  /** Every client, or these client ids. */
  clients: 'all' | ReadonlySet<string>;
}

export interface CallParticipantPrincipal {
  kind: 'call-participant';
  tenantId: string;
  callId: string;
  participantId: string;
  /** A supervisor listens without taking part (meeting types that allow silent supervision). */
  role: 'agent' | 'customer' | 'supervisor';
}
