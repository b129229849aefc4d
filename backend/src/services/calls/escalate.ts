import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx, Tx } from '../../db/client.js';
import { calls, cases, clients, customerRefs, customers, joinTokens, meetingTypes, participants, tenants } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { upsertClient } from '../access/assignments.js';
import { authorize } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import { offerConsent } from '../consent/offer.js';
import { pickLanguage } from '../notices/language.js';
import { assertRecordingSpace } from '../recordings/begin.js';
import { rawRecordingDir } from '../recordings/raw-dir.js';
import type { ServiceDeps } from '../deps.js';
import type { AgentPrincipal } from '../principal.js';
import { newJoinToken } from './join-token.js';
import { callView, loadCallFor, loadParticipants } from './load-call.js';
import { assertRecordingAllowed } from './recording-allowed.js';

export const escalateInput = z.object({
  meetingTypeId: z.uuid(),
  case: z
    .object({
      host: z.enum(['zendesk', 'teams']),
      externalId: z.string().min(1).max(200),
      /** How the customer is reached; the consent invitation travels this way. */
      channel: z.enum(['zendesk_ticket', 'zendesk_messaging', 'teams_chat', 'web']).default('zendesk_ticket'),
      /** Sunshine Conversations or Teams conversation id, required for chat channels. */
      conversationId: z.string().min(1).max(200).optional(),
      /** The client the ticket or chat belongs to (Zendesk organization, brand or group; Teams team). */
      client: z
        .object({
          kind: z.enum(['zendesk_organization', 'zendesk_brand', 'zendesk_group', 'teams_team']),
          externalId: z.string().min(1).max(200),
          name: z.string().max(200).optional(),
        })
        .optional(),
    })
    .refine((c) => !['zendesk_messaging', 'teams_chat'].includes(c.channel) || c.conversationId, {
      message: 'conversationId is required for chat channels',
      path: ['conversationId'],
    })
    .refine((c) => c.host !== 'zendesk' || /^\d{1,19}$/.test(c.externalId), {
      message: 'a Zendesk ticket id is a number',
      path: ['externalId'],
    }),
  customer: z.object({
    externalId: z.string().min(1).max(200),
    displayName: z.string().max(200).optional(),
    email: z.email().max(320).optional(),
    locale: z.string().max(35).optional(),
  }),
});
export type EscalateInput = z.infer<typeof escalateInput>;

/**
 * Agent escalates a ticket or chat to video: a media room first (the only step
 * that can fail outside our database), then everything else in one transaction.
 * If the transaction fails the room is destroyed, so nothing is left half-made.
 */
export async function escalateCall(deps: ServiceDeps, principal: AgentPrincipal, input: EscalateInput) {
  const [meetingType] = await deps.db
    .select()
    .from(meetingTypes)
    .where(and(eq(meetingTypes.id, input.meetingTypeId), eq(meetingTypes.tenantId, principal.tenantId)));
  if (!meetingType) throw new NotFoundError('MEETING_TYPE_NOT_FOUND', 'No such meeting type for this account.');
  authorize(principal, 'escalate', { tenantId: principal.tenantId, meetingTypeId: meetingType.id, clientId: await clientOfCase(deps.db, principal.tenantId, input.case) });
  // A call that must be recorded cannot go ahead unrecorded: refuse before the customer is asked.
  if (meetingType.recordingPolicy === 'required') {
    await assertRecordingAllowed(deps.db, principal.tenantId);
    await assertRecordingSpace(deps);
  }

  const callId = crypto.randomUUID();
  const room = await deps.media.createRoom({
    recordingDir: rawRecordingDir(deps.dataDir, callId),
    publishers: 2,
    e2ee: meetingType.e2ee,
  });

  const agentLink = newJoinToken();
  const expiresAt = new Date(Date.now() + deps.joinTokenTtlSeconds * 1000);
  let customerLink: string;
  try {
    customerLink = await deps.db.transaction(async (tx) => {
      const { customerId, caseId } = await upsertCustomerAndCase(tx, principal.tenantId, input);
      await tx.insert(calls).values({
        id: callId,
        tenantId: principal.tenantId,
        caseId,
        customerId,
        agentId: principal.agentId,
        meetingTypeId: meetingType.id,
        mediaNodeId: room.nodeId,
        mediaRoomId: room.roomId,
        mediaRoomPin: room.pin,
        mediaRoomSecret: room.secret,
      });
      const [agentSeat] = await tx
        .insert(participants)
        .values([
          { tenantId: principal.tenantId, callId, role: 'agent', agentId: principal.agentId },
          { tenantId: principal.tenantId, callId, role: 'customer' },
        ])
        .returning({ id: participants.id });
      await tx.insert(joinTokens).values({ tenantId: principal.tenantId, callId, participantId: agentSeat!.id, tokenHash: agentLink.hash, expiresAt });
      // The customer gets no join link yet: only a consent link. Joining needs their "yes".
      const [tenant] = await tx.select({ defaultLanguage: tenants.defaultLanguage }).from(tenants).where(eq(tenants.id, principal.tenantId));
      const offer = await offerConsent(tx, {
        tenantId: principal.tenantId,
        callId,
        customerId,
        meetingType: { id: meetingType.id, name: meetingType.name },
        language: pickLanguage([input.customer.locale], tenant?.defaultLanguage ?? 'en'),
        channel: input.case.channel,
        caseExternalId: input.case.externalId,
        conversationId: input.case.conversationId,
        publicBaseUrl: deps.publicBaseUrl,
        ttlSeconds: deps.joinTokenTtlSeconds,
      });
      await recordAudit(tx, {
        tenantId: principal.tenantId,
        actor: principal,
        action: 'call.escalated',
        subjectType: 'call',
        subjectId: callId,
        details: { meetingType: meetingType.key, caseId, mediaNode: room.nodeId, channel: input.case.channel, noticeVersion: offer.noticeVersion },
      });
      return offer.link;
    });
  } catch (error) {
    await deps.media.destroyRoom(room).catch((cleanup: unknown) => {
      deps.logger.warn({ err: cleanup, callId }, 'could not destroy room of a failed escalation');
    });
    throw error;
  }

  const loaded = await loadCallFor(deps.db, principal, callId);
  return {
    call: callView(loaded, await loadParticipants(deps.db, principal.tenantId, callId)),
    links: {
      customer: customerLink,
      agent: `${deps.publicBaseUrl}/j/${agentLink.token}`,
    },
  };
}

/**
 * The client an escalation is for: the one the request names or, failing that, the one the case
 * already belongs to, so leaving it out cannot get round client segregation. A client Parley has
 * not seen yet has no users assigned, so it gets an id nobody holds.
 */
async function clientOfCase(db: DbOrTx, tenantId: string, ref: EscalateInput['case']): Promise<string | null> {
  if (ref.client) {
    const [client] = await db
      .select({ id: clients.id })
      .from(clients)
      .where(and(eq(clients.tenantId, tenantId), eq(clients.kind, ref.client.kind), eq(clients.externalId, ref.client.externalId)));
    return client?.id ?? `unassigned:${ref.client.kind}`;
  }
  const [known] = await db
    .select({ clientId: cases.clientId })
    .from(cases)
    .where(and(eq(cases.tenantId, tenantId), eq(cases.host, ref.host), eq(cases.externalId, ref.externalId)));
  return known?.clientId ?? null;
}

async function upsertCustomerAndCase(tx: Tx, tenantId: string, input: EscalateInput) {
  const host = input.case.host;
  const [ref] = await tx
    .select({ customerId: customerRefs.customerId })
    .from(customerRefs)
    .where(and(eq(customerRefs.tenantId, tenantId), eq(customerRefs.host, host), eq(customerRefs.externalId, input.customer.externalId)));

  let customerId = ref?.customerId;
  const profile = { displayName: input.customer.displayName, email: input.customer.email, locale: input.customer.locale };
  if (customerId) {
    await tx
      .update(customers)
      .set({ ...profile, updatedAt: new Date() })
      .where(and(eq(customers.id, customerId), eq(customers.tenantId, tenantId)));
  } else {
    const [created] = await tx.insert(customers).values({ tenantId, ...profile }).returning({ id: customers.id });
    customerId = created!.id;
    const linked = await tx
      .insert(customerRefs)
      .values({ tenantId, customerId, host, externalId: input.customer.externalId })
      .onConflictDoNothing()
      .returning({ id: customerRefs.id });
    if (linked.length === 0) {
      // A concurrent escalation created this customer first: use theirs.
      await tx.delete(customers).where(eq(customers.id, customerId));
      const [winner] = await tx
        .select({ customerId: customerRefs.customerId })
        .from(customerRefs)
        .where(and(eq(customerRefs.tenantId, tenantId), eq(customerRefs.host, host), eq(customerRefs.externalId, input.customer.externalId)));
      customerId = winner!.customerId;
    }
  }

  const clientId = input.case.client ? await upsertClient(tx, tenantId, input.case.client) : undefined;
  const [existingCase] = await tx
    .insert(cases)
    .values({ tenantId, host, externalId: input.case.externalId, customerId, channel: input.case.channel, conversationId: input.case.conversationId, clientId })
    .onConflictDoUpdate({
      target: [cases.tenantId, cases.host, cases.externalId],
      set: { channel: input.case.channel, conversationId: input.case.conversationId ?? null, ...(clientId ? { clientId } : {}), updatedAt: new Date() },
    })
    .returning({ id: cases.id });
  return { customerId, caseId: existingCase!.id };
}
