import { and, eq } from 'drizzle-orm';
import type { ChatEscalationContext, EscalationOptions, EscalationOutcome } from '../../adapters/teams/activity-handler.js';
import { agents, installations } from '../../db/schema/index.js';
import { DomainError } from '../../errors.js';
import { decide } from '../access/policy.js';
import { loadAgentAccess } from '../access/load-access.js';
import { escalateCall } from '../calls/escalate.js';
import type { ServiceDeps } from '../deps.js';
import { listMeetingTypes } from '../meeting-types/list.js';
import type { AgentPrincipal } from '../principal.js';

const RECORDING_WORDS = { required: 'recorded', optional: 'recording optional', forbidden: 'not recorded' } as const;
const MEDIA_WORDS = { audio: 'audio only', 'audio+video': 'audio and video' } as const;

/**
 * The Parley user behind a message-extension click: a Teams user of a tenant that installed
 * Parley, known to Parley (signed in through the Parley tab once, or provisioned by SCIM) and
 * active. The Bot Framework Service vouches for who clicked; Parley decides what they may do.
 */
async function agentOf(deps: Pick<ServiceDeps, 'db'>, escalation: ChatEscalationContext): Promise<AgentPrincipal | string> {
  const [row] = await deps.db
    .select({ tenantId: agents.tenantId, agentId: agents.id, active: agents.active, epoch: agents.sessionEpoch })
    .from(installations)
    .innerJoin(agents, and(eq(agents.tenantId, installations.tenantId), eq(agents.host, 'teams'), eq(agents.externalUserId, escalation.agentObjectId)))
    .where(and(eq(installations.host, 'teams'), eq(installations.externalAccountId, escalation.teamsTenantId)));
  if (!row) return 'Open Parley in the Teams app bar once to sign in, then try again.';
  if (!row.active) return 'Your Parley account is deactivated. Ask your Parley administrator.';
  const access = await loadAgentAccess(deps.db, { tenantId: row.tenantId, agentId: row.agentId, epoch: row.epoch });
  return { kind: 'agent', tenantId: row.tenantId, agentId: row.agentId, access };
}

/** The meeting types this agent may offer, and who in the chat could be the customer. */
export async function chatEscalationOptions(deps: Pick<ServiceDeps, 'db'>, escalation: ChatEscalationContext): Promise<EscalationOptions> {
  const principal = await agentOf(deps, escalation);
  if (typeof principal === 'string') return { kind: 'refused', message: principal };
  if (escalation.members.length === 0) return { kind: 'refused', message: 'Nobody else is in this chat to offer a video call to.' };
  const types = (await listMeetingTypes(deps.db, principal)).filter(
    (type) => decide(principal, 'escalate', { tenantId: principal.tenantId, meetingTypeId: type.id, clientId: null }).allowed,
  );
  if (types.length === 0) return { kind: 'refused', message: 'You may not offer any meeting type. Ask your Parley administrator.' };
  return {
    kind: 'dialog',
    dialog: {
      meetingTypes: types.map((type) => ({ id: type.id, name: type.name, description: `${MEDIA_WORDS[type.media]}, ${RECORDING_WORDS[type.recordingPolicy]}` })),
      customers: escalation.members.map(({ id, name }) => ({ id, name })),
    },
  };
}

/**
 * Escalates the chat, exactly as the Zendesk sidebar escalates a ticket: the chat is the case,
 * the consent card goes into it, and the agent gets their single-use link into the call view.
 */
export async function escalateChat(
  deps: ServiceDeps,
  escalation: ChatEscalationContext,
  answer: { meetingTypeId: string; customer: string },
): Promise<EscalationOutcome> {
  const principal = await agentOf(deps, escalation);
  if (typeof principal === 'string') return { kind: 'refused', message: principal };
  // Only someone in this chat: the dialog's answer is the agent's word, checked again here.
  const customer = escalation.members.find((member) => member.id === answer.customer);
  if (!customer) return { kind: 'refused', message: 'That person is not in this chat any more.' };
  try {
    const { call, links } = await escalateCall(deps, principal, {
      meetingTypeId: answer.meetingTypeId,
      case: { host: 'teams', externalId: escalation.conversationId, channel: 'teams_chat', conversationId: escalation.conversationId },
      customer: { externalId: customer.id, displayName: customer.name, ...(customer.email ? { email: customer.email } : {}) },
    });
    return { kind: 'offered', customerName: customer.name, meetingTypeName: call.meetingType.name, agentLink: links.agent };
  } catch (error) {
    if (error instanceof DomainError) return { kind: 'refused', message: error.message };
    throw error;
  }
}
