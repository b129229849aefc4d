/** Who is calling a service. Routes build it from a verified token; services authorize on it. */
export type Principal = AgentPrincipal | CallParticipantPrincipal;

export interface AgentPrincipal {
  kind: 'agent';
  tenantId: string;
  agentId: string;
}

export interface CallParticipantPrincipal {
  kind: 'call-participant';
  tenantId: string;
  callId: string;
  participantId: string;
  role: 'agent' | 'customer';
}
