import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx, Tx } from '../../db/client.js';
import { perDatabase } from '../../db/per-database.js';
import { calls, cases, clients, customerRefs, customers, joinTokens, meetingTypes, participants, tenants } from '../../db/schema/index.js';
import { writeTogetherPrepared } from '../../db/write-together.js';
import { NotFoundError } from '../../errors.js';
import { upsertClient } from '../access/assignments.js';
import { authorize } from '../access/policy.js';
import { auditValues, auditWrites, recordAudit, type AuditEntry } from '../audit/record.js';
import { consentOfferValues, consentOfferWrites, planConsentOffer } from '../consent/offer.js';
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
  const tenantId = principal.tenantId;
  const known = await escalationContext(deps.db, tenantId, input);
  if (!known) throw new NotFoundError('MEETING_TYPE_NOT_FOUND', 'No such meeting type for this account.');
  const { meetingType } = known;
  authorize(principal, 'escalate', { tenantId, meetingTypeId: meetingType.id, clientId: clientOfCase(input.case, known) });
  // A call that must be recorded cannot go ahead unrecorded: refuse before the customer is asked.
  if (meetingType.recordingPolicy === 'required') {
    await assertRecordingAllowed(deps.db, tenantId);
    await assertRecordingSpace(deps);
  }

  const callId = crypto.randomUUID();
  const room = await deps.media.createRoom({
    recordingDir: rawRecordingDir(deps.dataDir, callId),
    publishers: 2,
    e2ee: meetingType.e2ee,
  });

  const agentLink = newJoinToken();
  const agentSeatId = crypto.randomUUID();
  const expiresAt = new Date(Date.now() + deps.joinTokenTtlSeconds * 1000);
  let customerLink: string;
  try {
    customerLink = await deps.db.transaction(async (tx) => {
      const { customerId, caseId } = await upsertCustomerAndCase(tx, tenantId, input, known.customerId);
      // The customer gets no join link yet: only a consent link. Joining needs their "yes".
      const offer = await planConsentOffer(tx, {
        tenantId,
        callId,
        customerId,
        meetingType: { id: meetingType.id, name: meetingType.name },
        language: pickLanguage([input.customer.locale], known.defaultLanguage),
        channel: input.case.channel,
        caseExternalId: input.case.externalId,
        conversationId: input.case.conversationId,
        publicBaseUrl: deps.publicBaseUrl,
        ttlSeconds: deps.joinTokenTtlSeconds,
      });
      const audit: AuditEntry = {
        tenantId,
        actor: principal,
        action: 'call.escalated',
        subjectType: 'call',
        subjectId: callId,
        details: { meetingType: meetingType.key, caseId, mediaNode: room.nodeId, channel: input.case.channel, noticeVersion: offer.noticeVersion },
      };
      const auditOne = auditValues(audit);
      // The call and everything hanging off it in one statement; the audit event last (see writeTogether).
      await (auditOne ? escalationWithAudit : escalationWithoutAudit)(tx, {
        callId,
        tenantId,
        caseId,
        customerId,
        agentId: principal.agentId,
        meetingTypeId: meetingType.id,
        mediaNodeId: room.nodeId,
        mediaRoomId: room.roomId,
        mediaRoomPin: room.pin,
        mediaRoomSecret: room.secret,
        agentSeatId,
        agentTokenHash: agentLink.hash,
        agentTokenExpiresAt: expiresAt,
        ...consentOfferValues(offer),
        ...auditOne,
      });
      if (!auditOne) await recordAudit(tx, audit);
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
    call: callView(loaded, await loadParticipants(deps.db, tenantId, callId)),
    links: {
      customer: customerLink,
      agent: `${deps.publicBaseUrl}/j/${agentLink.token}`,
    },
  };
}

/** What an escalation writes once the case and customer exist; values as placeholders. */
function escalationWrites(db: DbOrTx) {
  const p = (name: string) => sql.placeholder(name);
  return {
    call: db
      .insert(calls)
      .values({
        id: p('callId'),
        tenantId: p('tenantId'),
        caseId: p('caseId'),
        customerId: p('customerId'),
        agentId: p('agentId'),
        meetingTypeId: p('meetingTypeId'),
        mediaNodeId: p('mediaNodeId'),
        mediaRoomId: p('mediaRoomId'),
        mediaRoomPin: p('mediaRoomPin'),
        mediaRoomSecret: p('mediaRoomSecret'),
      })
      .returning({ id: calls.id }),
    seats: db
      .insert(participants)
      .values([
        { id: p('agentSeatId'), tenantId: p('tenantId'), callId: p('callId'), role: 'agent', agentId: p('agentId') },
        { tenantId: p('tenantId'), callId: p('callId'), role: 'customer' },
      ])
      .returning({ id: participants.id }),
    agent_link: db
      .insert(joinTokens)
      .values({ tenantId: p('tenantId'), callId: p('callId'), participantId: p('agentSeatId'), tokenHash: p('agentTokenHash'), expiresAt: p('agentTokenExpiresAt') })
      .returning({ id: joinTokens.id }),
    ...consentOfferWrites(db),
  };
}
const escalationWithAudit = writeTogetherPrepared('escalation_audited', (db) => ({ ...escalationWrites(db), ...auditWrites }));
const escalationWithoutAudit = writeTogetherPrepared('escalation', escalationWrites);

/**
 * What an escalation reads before it starts, in one statement: the meeting type, the tenant's
 * default language, the client the request names, the client of the case if Parley knows it,
 * and the customer if Parley knows them.
 */
const escalationRead = perDatabase((db) => {
  const p = (name: string) => sql.placeholder(name);
  return db
    .select({
      meetingType: meetingTypes,
      defaultLanguage: tenants.defaultLanguage,
      namedClientId: sql<string | null>`(SELECT ${clients.id} FROM ${clients} WHERE ${clients.tenantId} = ${p('tenantId')} AND ${clients.kind} = ${p('clientKind')} AND ${clients.externalId} = ${p('clientExternalId')})`,
      caseClientId: sql<string | null>`(SELECT ${cases.clientId} FROM ${cases} WHERE ${cases.tenantId} = ${p('tenantId')} AND ${cases.host} = ${p('host')} AND ${cases.externalId} = ${p('caseExternalId')})`,
      customerId: sql<string | null>`(SELECT ${customerRefs.customerId} FROM ${customerRefs} WHERE ${customerRefs.tenantId} = ${p('tenantId')} AND ${customerRefs.host} = ${p('host')} AND ${customerRefs.externalId} = ${p('customerExternalId')})`,
    })
    .from(meetingTypes)
    .innerJoin(tenants, eq(tenants.id, meetingTypes.tenantId))
    .where(and(eq(meetingTypes.id, p('meetingTypeId')), eq(meetingTypes.tenantId, p('tenantId'))))
    .prepare('escalation_context');
});

async function escalationContext(db: DbOrTx, tenantId: string, input: EscalateInput) {
  const [row] = await escalationRead(db).execute({
    tenantId,
    meetingTypeId: input.meetingTypeId,
    host: input.case.host,
    caseExternalId: input.case.externalId,
    customerExternalId: input.customer.externalId,
    clientKind: input.case.client?.kind ?? null,
    clientExternalId: input.case.client?.externalId ?? null,
  });
  return row;
}

/**
 * The client an escalation is for: the one the request names or, failing that, the one the case
 * already belongs to, so leaving it out cannot get round client segregation. A client Parley has
 * not seen yet has no users assigned, so it gets an id nobody holds.
 */
function clientOfCase(ref: EscalateInput['case'], known: { namedClientId: string | null; caseClientId: string | null }): string | null {
  if (ref.client) return known.namedClientId ?? `unassigned:${ref.client.kind}`;
  return known.caseClientId;
}

/** `knownCustomerId`: the customer the escalation's first read found by their external id, if any. */
async function upsertCustomerAndCase(tx: Tx, tenantId: string, input: EscalateInput, knownCustomerId: string | null) {
  const host = input.case.host;
  let customerId = knownCustomerId ?? undefined;
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
