import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client.js';
import { FOREIGN_KEY_VIOLATION, UNIQUE_VIOLATION, pgErrorCode } from '../../db/errors.js';
import { perDatabase } from '../../db/per-database.js';
import { calls, cases, clients, customerRefs, customers, joinTokens, meetingTypes, participants, tenants } from '../../db/schema/index.js';
import { writeTogetherPrepared, type PlaceholderValues } from '../../db/write-together.js';
import { NotFoundError } from '../../errors.js';
import { clientUpsert } from '../access/assignments.js';
import { authorize } from '../access/policy.js';
import { auditValues, auditWrites, recordAudit, type AuditEntry } from '../audit/record.js';
import { consentOfferValues, consentOfferWrites, planConsentOffer } from '../consent/offer.js';
import { pickLanguage, preferredLanguage } from '../notices/language.js';
import { latestNotice, latestNoticeQuery } from '../notices/publish.js';
import type { NoticeContent } from '../notices/content.js';
import { assertRecordingSpace } from '../recordings/begin.js';
import { rawRecordingDir } from '../recordings/raw-dir.js';
import type { CreatedRoom } from '../../ports/media-gateway.js';
import type { ServiceDeps } from '../deps.js';
import type { AgentPrincipal } from '../principal.js';
import { newJoinToken } from './join-token.js';
import { callView, type CallView } from './load-call.js';
import { assertRecordingAllowed } from './recording-allowed.js';

/** Where each host's customers can be reached: a Teams chat is never a Zendesk ticket. */
const CHANNELS_OF_HOST: Record<'zendesk' | 'teams', readonly string[]> = {
  zendesk: ['zendesk_ticket', 'zendesk_messaging', 'web'],
  teams: ['teams_chat', 'web'],
};

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
    .refine((c) => CHANNELS_OF_HOST[c.host].includes(c.channel), {
      message: 'this channel does not belong to the host: Zendesk cases use zendesk_ticket, zendesk_messaging or web; Teams cases teams_chat or web',
      path: ['channel'],
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
 * Agent escalates a ticket or chat to video: a media room first (the only step that can fail
 * outside our database), then everything else in one statement — customer, client, case, call,
 * seats, links, messages and the audit event commit together, with no round trip to us while
 * the tenant's audit head is locked. If that fails the room is destroyed, so nothing is left
 * half-made.
 */
export async function escalateCall(deps: ServiceDeps, principal: AgentPrincipal, input: EscalateInput) {
  const tenantId = principal.tenantId;
  let known = await escalationContext(deps.db, tenantId, input);
  if (!known) throw new NotFoundError('MEETING_TYPE_NOT_FOUND', 'No such meeting type for this account.');
  const { meetingType } = known;
  authorizeEscalation(principal, input.case, known);
  // A call that must be recorded cannot go ahead unrecorded: refuse before the customer is asked.
  if (meetingType.recordingPolicy === 'required') {
    await assertRecordingAllowed(deps.db, tenantId);
    await assertRecordingSpace(deps);
  }

  const fresh: NewCall = { callId: crypto.randomUUID(), agentSeatId: crypto.randomUUID(), customerSeatId: crypto.randomUUID(), createdAt: new Date() };
  const { callId } = fresh;
  const room = await deps.media.createRoom({
    recordingDir: rawRecordingDir(deps.dataDir, callId),
    publishers: 2,
    e2ee: meetingType.e2ee,
  });

  const agentLink = newJoinToken();
  let customerLink: string;
  try {
    try {
      customerLink = await writeEscalation(deps, principal, input, known, fresh, room, agentLink.hash);
    } catch (error) {
      // Another escalation created this customer or case a moment ago, or retention deleted the
      // ones read (their last call's data ran out): read again and use what is there now.
      const code = pgErrorCode(error);
      if (code !== UNIQUE_VIOLATION && code !== FOREIGN_KEY_VIOLATION) throw error;
      known = await escalationContext(deps.db, tenantId, input);
      if (!known) throw error;
      authorizeEscalation(principal, input.case, known);
      customerLink = await writeEscalation(deps, principal, input, known, fresh, room, agentLink.hash);
    }
  } catch (error) {
    await deps.media.destroyRoom(room).catch((cleanup: unknown) => {
      deps.logger.warn({ err: cleanup, callId }, 'could not destroy room of a failed escalation');
    });
    throw error;
  }

  return {
    call: newCallView(fresh, meetingType, known.recordingEnabledAt === null),
    links: {
      customer: customerLink,
      agent: `${deps.publicBaseUrl}/j/${agentLink.token}`,
    },
  };
}

type EscalationContext = NonNullable<Awaited<ReturnType<typeof escalationContext>>>;

/** What a new call's rows get from us rather than from the database, so the answer needs no second read. */
interface NewCall {
  callId: string;
  agentSeatId: string;
  customerSeatId: string;
  createdAt: Date;
}

/** The call as `GET /api/calls/:id` shows it the moment it is written (the escalate test compares the two). */
function newCallView(fresh: NewCall, meetingType: EscalationContext['meetingType'], accountRecordingOff: boolean): CallView {
  const seat = (id: string, role: 'agent' | 'customer') => ({ id, role, admittedAt: null, removedAt: null, lobbyEnteredAt: null, joinedAt: null, leftAt: null });
  return callView(
    {
      call: { id: fresh.callId, state: 'created', createdAt: fresh.createdAt, startedAt: null, endedAt: null, endReason: null, recordingActive: false, lockedAt: null },
      meetingType,
      accountRecordingOff,
      recordingConsent: null,
    },
    [seat(fresh.agentSeatId, 'agent'), seat(fresh.customerSeatId, 'customer')],
  );
}

/** Writes the escalation in one statement; answers the customer's consent link. */
async function writeEscalation(
  deps: ServiceDeps,
  principal: AgentPrincipal,
  input: EscalateInput,
  known: EscalationContext,
  { callId, agentSeatId, customerSeatId, createdAt }: NewCall,
  room: CreatedRoom,
  agentTokenHash: string,
): Promise<string> {
  const tenantId = principal.tenantId;
  const { meetingType } = known;
  // New rows get their ids here, so every part of the statement can name them.
  const customerId = known.customerId ?? crypto.randomUUID();
  const caseId = known.caseId ?? crypto.randomUUID();
  // The customer gets no join link yet: only a consent link. Joining needs their "yes".
  const language = pickLanguage([input.customer.locale], known.defaultLanguage);
  // The read found the latest notice in this language, unless the tenant's default is one we do not ship.
  const notice = known.notice?.language === language ? known.notice : await latestNotice(deps.db, tenantId, meetingType.id, language);
  if (!notice) throw new NotFoundError('NOTICE_NOT_FOUND', 'This meeting type has no privacy notice yet.');
  const offer = await planConsentOffer(deps.db, {
    tenantId,
    callId,
    customerId,
    meetingType: { id: meetingType.id, name: meetingType.name },
    language,
    channel: input.case.channel,
    caseExternalId: input.case.externalId,
    conversationId: input.case.conversationId,
    publicBaseUrl: deps.publicBaseUrl,
    ttlSeconds: deps.joinTokenTtlSeconds,
  }, notice);
  const audit: AuditEntry = {
    tenantId,
    actor: principal,
    action: 'call.escalated',
    subjectType: 'call',
    subjectId: callId,
    details: { meetingType: meetingType.key, caseId, mediaNode: room.nodeId, channel: input.case.channel, noticeVersion: offer.noticeVersion },
  };
  const auditOne = auditValues(audit);
  const shape: EscalationShape = {
    newCustomer: known.customerId === null,
    newCase: known.caseId === null,
    client: input.case.client !== undefined,
    audited: auditOne !== null,
  };
  const values: PlaceholderValues = {
    tenantId,
    customerId,
    host: input.case.host,
    customerExternalId: input.customer.externalId,
    displayName: input.customer.displayName ?? null,
    email: input.customer.email ?? null,
    locale: input.customer.locale ?? null,
    clientKind: input.case.client?.kind ?? null,
    clientExternalId: input.case.client?.externalId ?? null,
    clientName: input.case.client?.name ?? null,
    caseId,
    caseExternalId: input.case.externalId,
    channel: input.case.channel,
    conversationId: input.case.conversationId ?? null,
    callId,
    agentId: principal.agentId,
    meetingTypeId: meetingType.id,
    mediaNodeId: room.nodeId,
    mediaRoomId: room.roomId,
    mediaRoomPin: room.pin,
    mediaRoomSecret: room.secret,
    createdAt,
    agentSeatId,
    customerSeatId,
    agentTokenHash,
    agentTokenExpiresAt: new Date(Date.now() + deps.joinTokenTtlSeconds * 1000),
    ...consentOfferValues(offer),
    ...auditOne,
  };
  if (auditOne) await escalationStatement(shape)(deps.db, values);
  else
    // Forwarded audit events take the general path, in the same transaction as the escalation.
    await deps.db.transaction(async (tx) => {
      await escalationStatement(shape)(tx, values);
      await recordAudit(tx, audit);
    });
  return offer.link;
}

/** What varies between escalations' statements: one prepared statement per combination. */
interface EscalationShape {
  newCustomer: boolean;
  newCase: boolean;
  client: boolean;
  audited: boolean;
}

const escalationStatements = new Map<string, ReturnType<typeof writeTogetherPrepared>>();

function escalationStatement(shape: EscalationShape) {
  const key = Object.entries(shape)
    .filter(([, on]) => on)
    .map(([name]) => name)
    .join('_');
  let statement = escalationStatements.get(key);
  if (!statement) {
    statement = writeTogetherPrepared(`escalation_${key}`, (db) => escalationWrites(db, shape));
    escalationStatements.set(key, statement);
  }
  return statement;
}

/**
 * What an escalation writes, values as placeholders, in the order they run: the customer (and
 * their reference, if new), the client, the case, the call and everything hanging off it; the
 * audit event last (see writeTogether). A customer or case created meanwhile by another
 * escalation makes the statement fail on a unique index, and the escalation reads again.
 */
function escalationWrites(db: DbOrTx, shape: EscalationShape) {
  const p = (name: string) => sql.placeholder(name);
  const client = sql`(SELECT id FROM client_row)`;
  return {
    customer: shape.newCustomer
      ? db
          .insert(customers)
          .values({ id: p('customerId'), tenantId: p('tenantId'), displayName: p('displayName'), email: p('email'), locale: p('locale') })
          .returning({ id: customers.id })
      : db
          .update(customers)
          // What the host leaves out now stays as it was.
          .set({
            displayName: sql`coalesce(${p('displayName')}, ${customers.displayName})`,
            email: sql`coalesce(${p('email')}, ${customers.email})`,
            locale: sql`coalesce(${p('locale')}, ${customers.locale})`,
            updatedAt: sql`now()`,
          })
          .where(and(eq(customers.id, p('customerId')), eq(customers.tenantId, p('tenantId'))))
          .returning({ id: customers.id }),
    customer_ref: shape.newCustomer
      ? db
          .insert(customerRefs)
          .values({ tenantId: p('tenantId'), customerId: p('customerId'), host: p('host'), externalId: p('customerExternalId') })
          .returning({ id: customerRefs.id })
      : undefined,
    client_row: shape.client
      ? clientUpsert(db, { tenantId: p('tenantId'), kind: p('clientKind'), externalId: p('clientExternalId'), name: p('clientName') })
      : undefined,
    case_row: shape.newCase
      ? db
          .insert(cases)
          .values({
            id: p('caseId'),
            tenantId: p('tenantId'),
            host: p('host'),
            externalId: p('caseExternalId'),
            customerId: p('customerId'),
            channel: p('channel'),
            conversationId: p('conversationId'),
            clientId: shape.client ? client : null,
          })
          .returning({ id: cases.id })
      : db
          .update(cases)
          .set({ channel: sql`${p('channel')}`, conversationId: sql`${p('conversationId')}`, ...(shape.client ? { clientId: client } : {}), updatedAt: sql`now()` })
          .where(and(eq(cases.id, p('caseId')), eq(cases.tenantId, p('tenantId'))))
          .returning({ id: cases.id }),
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
        createdAt: p('createdAt'),
      })
      .returning({ id: calls.id }),
    seats: db
      .insert(participants)
      .values([
        { id: p('agentSeatId'), tenantId: p('tenantId'), callId: p('callId'), role: 'agent', agentId: p('agentId') },
        { id: p('customerSeatId'), tenantId: p('tenantId'), callId: p('callId'), role: 'customer' },
      ])
      .returning({ id: participants.id }),
    agent_link: db
      .insert(joinTokens)
      .values({ tenantId: p('tenantId'), callId: p('callId'), participantId: p('agentSeatId'), tokenHash: p('agentTokenHash'), expiresAt: p('agentTokenExpiresAt') })
      .returning({ id: joinTokens.id }),
    ...consentOfferWrites(db),
    ...(shape.audited ? auditWrites : {}),
  };
}

/**
 * What an escalation reads before it starts, in one statement: the meeting type, the tenant's
 * default language and recording switch, the client the request names, the case and its client if Parley knows the
 * case, the customer if Parley knows them, and the latest notice in the customer's language
 * (`language`, when the host named one we ship) or else the tenant's.
 */
const escalationRead = perDatabase((db) => {
  const p = (name: string) => sql.placeholder(name);
  const knownCase = db
    .select({ id: cases.id, clientId: cases.clientId })
    .from(cases)
    .where(and(eq(cases.tenantId, p('tenantId')), eq(cases.host, p('host')), eq(cases.externalId, p('caseExternalId'))))
    .as('known_case');
  const notice = latestNoticeQuery(db, {
    tenantId: p('tenantId'),
    meetingTypeId: meetingTypes.id,
    language: sql`coalesce(${p('language')}, ${tenants.defaultLanguage})`,
  }).as('notice');
  return db
    .select({
      meetingType: meetingTypes,
      defaultLanguage: tenants.defaultLanguage,
      recordingEnabledAt: tenants.recordingEnabledAt,
      namedClientId: sql<string | null>`(SELECT ${clients.id} FROM ${clients} WHERE ${clients.tenantId} = ${p('tenantId')} AND ${clients.kind} = ${p('clientKind')} AND ${clients.externalId} = ${p('clientExternalId')})`,
      caseId: knownCase.id,
      caseClientId: knownCase.clientId,
      customerId: sql<string | null>`(SELECT ${customerRefs.customerId} FROM ${customerRefs} WHERE ${customerRefs.tenantId} = ${p('tenantId')} AND ${customerRefs.host} = ${p('host')} AND ${customerRefs.externalId} = ${p('customerExternalId')})`,
      notice: {
        id: notice.id,
        tenantId: notice.tenantId,
        meetingTypeId: notice.meetingTypeId,
        language: notice.language,
        version: notice.version,
        content: notice.content,
        contentHash: notice.contentHash,
        createdBy: notice.createdBy,
        createdAt: notice.createdAt,
      },
    })
    .from(meetingTypes)
    .innerJoin(tenants, eq(tenants.id, meetingTypes.tenantId))
    .leftJoin(knownCase, sql`true`)
    .leftJoinLateral(notice, sql`true`)
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
    language: preferredLanguage([input.customer.locale]),
  });
  return row && { ...row, notice: row.notice && { ...row.notice, content: row.notice.content as NoticeContent } };
}

/**
 * The client an escalation is for: the one the request names or, failing that, the one the case
 * already belongs to, so leaving it out cannot get round client segregation. A client Parley has
 * not seen yet has no users assigned, so it gets an id nobody holds.
 */
/**
 * The agent may escalate for the client the request names (or the case's own). A case that already
 * belongs to a client moves to another only in the hands of someone who works for both: otherwise
 * naming one's own client would take over another client's case, and with it its recordings.
 */
function authorizeEscalation(
  principal: AgentPrincipal,
  ref: EscalateInput['case'],
  known: { meetingType: { id: string }; namedClientId: string | null; caseClientId: string | null },
): void {
  const resource = { tenantId: principal.tenantId, meetingTypeId: known.meetingType.id };
  authorize(principal, 'escalate', { ...resource, clientId: clientOfCase(ref, known) });
  if (known.caseClientId) authorize(principal, 'escalate', { ...resource, clientId: known.caseClientId });
}

function clientOfCase(ref: EscalateInput['case'], known: { namedClientId: string | null; caseClientId: string | null }): string | null {
  if (ref.client) return known.namedClientId ?? `unassigned:${ref.client.kind}`;
  return known.caseClientId;
}
