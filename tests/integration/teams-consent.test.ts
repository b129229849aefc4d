import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeamsBot, type TeamsBot } from '../../backend/src/adapters/teams/bot.js';
import { TeamsActivityDeliverer } from '../../backend/src/adapters/teams/deliverer.js';
import type { Database } from '../../backend/src/db/client.js';
import { de } from '../../backend/src/services/notices/locales/de.js';
import { en } from '../../backend/src/services/notices/locales/en.js';
import { fr } from '../../backend/src/services/notices/locales/fr.js';
import { agents, auditEvents, consentRecords, installations, joinTokens, outboxMessages, teamsConversations } from '../../backend/src/db/schema/index.js';
import type { OutboxEnvelope } from '../../backend/src/ports/outbox-delivery.js';
import { teamsRoutes } from '../../backend/src/routes/teams.js';
import type { ServiceDeps } from '../../backend/src/services/deps.js';
import { findConversationReference } from '../../backend/src/services/teams/find-conversation-reference.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { startFakeBotConnector, type ConnectorCall, type FakeBotConnector } from '../support/fakes/bot-connector.js';
import { PUBLIC_BASE_URL, buildTestApp, localRecordingDeps, startTestJanus } from '../support/test-app.js';
import { setHostRoles } from '../../backend/src/services/access/assignments.js';
import { TeamsMessageReplacement } from '../../backend/src/adapters/teams/message-replacement.js';
import { createDsarWorker } from '../../backend/src/services/dsar/worker.js';
import { REPLACEMENT_TEXT } from '../../backend/src/services/dsar/erase/replace-chat-messages.js';
import { createOutboxWorker } from '../../backend/src/services/outbox/worker.js';
import { newLeaseOwner } from '../../backend/src/services/recordings/claim.js';
import { finishOnboarding } from '../support/onboarding.js';
import { postActivity, teamsActivity } from '../support/teams-activities.js';

const TEAMS_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BOT = { id: '28:9e1b5ae6-7c43-4a4b-9ad6-0c5a4f3d2e10', name: 'Parley' };
const CUSTOMER = { id: '29:1customer-teams-user', name: 'Alex Customer', aadObjectId: '6f2a3c9e-1d7b-4e35-9f0c-8a2b1c3d4e5f' };
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';

type Card = { type: string; version: string; body: Record<string, unknown>[]; actions?: Record<string, unknown>[] };
type Action = { type: string; verb?: string; title: string; url?: string; style?: string; data?: Record<string, unknown>; fallback?: Record<string, unknown> };

describe.each(databaseKinds)('Teams consent card on %s', (kind) => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let connector: FakeBotConnector;
  let bot: TeamsBot;
  let deliverer: TeamsActivityDeliverer;
  let deps: ServiceDeps;
  let agentToken: string | undefined;
  let tenantId: string;
  let chatCounter = 0;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-teams-'));
    [database, janus, connector] = await Promise.all([freshDatabase(kind), startTestJanus(baseDir), startFakeBotConnector()]);
    t = await buildTestApp(database, janus);
    deps = {
      db: database.db,
      media: t.gateway,
      tokens: t.tokens,
      logger: pino({ level: 'silent' }),
      publicBaseUrl: PUBLIC_BASE_URL,
      joinTokenTtlSeconds: 900,
      dataDir: t.dataDir,
      ...localRecordingDeps(t.dataDir),
    };
    // No app id: CloudAdapter skips token checks, as it would for a local emulator.
    bot = createTeamsBot({ connectorTimeoutMs: 5_000 });
    t.app.route('/', teamsRoutes(deps, bot));
    deliverer = new TeamsActivityDeliverer({ bot, referenceFor: (tenant, conversation) => findConversationReference(database.db, tenant, conversation) });
  });
  afterAll(async () => {
    await t?.close();
    await connector?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  const newChat = () => `19:chat-${kind}-${++chatCounter}@thread.v2`;

  /** An activity as the Bot Framework Service posts it for a Teams group chat. */
  /** From the customer unless said otherwise, in a group chat with a name (which Parley must not keep). */
  const activity = (chat: string, fields: Record<string, unknown>) => {
    const base = teamsActivity({ serviceUrl: connector.url, teamsTenantId: TEAMS_TENANT, bot: BOT }, chat, { from: CUSTOMER, ...fields });
    return { ...base, conversation: { ...base.conversation, name: 'Alex and support' } };
  };
  const post = (body: unknown) => postActivity(t.app, body);

  const botAdded = (chat: string) => post(activity(chat, { type: 'conversationUpdate', membersAdded: [{ id: BOT.id }], from: { id: '29:agent-dana' } }));

  /** The Teams tenant the bot's first chat provisioned, and its agent (Teams sign-in is not built yet, so made here). */
  const teamsAgent = async () => {
    if (agentToken) return agentToken;
    const [installation] = await database.db
      .select()
      .from(installations)
      .where(and(eq(installations.host, 'teams'), eq(installations.externalAccountId, TEAMS_TENANT)));
    tenantId = installation!.tenantId;
    const [row] = await database.db
      .insert(agents)
      .values({ tenantId, host: 'teams', externalUserId: '29:agent-dana', displayName: 'Dana Agent' })
      .returning({ id: agents.id });
    await setHostRoles(database.db, tenantId, row!.id, ['agent']);
    agentToken = (await t.tokens.issueAgent({ tenantId, agentId: row!.id, epoch: 0 })).token;
    // A tenant the bot provisioned records nothing until an admin has set it up; "advice" calls must be recorded.
    const [admin] = await database.db.insert(agents).values({ tenantId, host: 'teams', externalUserId: '29:admin-ada', displayName: 'Ada Admin' }).returning({ id: agents.id });
    await setHostRoles(database.db, tenantId, admin!.id, ['admin']);
    await finishOnboarding(t, (await t.tokens.issueAgent({ tenantId, agentId: admin!.id, epoch: 0 })).token);
    return agentToken;
  };

  const escalate = async (chat: string, type: 'support' | 'advice' | 'consultation', locale = 'de-DE') => {
    const token = await teamsAgent();
    const res = await t.call('POST', '/api/calls', {
      token,
      body: {
        meetingTypeId: await t.meetingType(token, type),
        case: { host: 'teams', externalId: chat, channel: 'teams_chat', conversationId: chat },
        customer: { externalId: CUSTOMER.id, displayName: CUSTOMER.name, locale },
      },
    });
    expect(res.status).toBe(201);
    return res.body as { call: { id: string }; links: { customer: string } };
  };

  const queued = async (idempotencyKey: string): Promise<OutboxEnvelope<'teams.activity'>> => {
    const [row] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, idempotencyKey));
    expect(row?.kind).toBe('teams.activity');
    return { id: row!.id, tenantId: row!.tenantId, kind: 'teams.activity', idempotencyKey, payload: row!.payload as OutboxEnvelope<'teams.activity'>['payload'], attempts: row!.attempts };
  };

  /** Escalates in a chat the bot is in and delivers the card; returns the card as the connector received it. */
  const offerInTeams = async (type: 'support' | 'advice' | 'consultation', locale?: string) => {
    const chat = newChat();
    expect((await botAdded(chat)).status).toBe(200);
    const { call, links } = await escalate(chat, type, locale);
    const before = connector.calls.length;
    const delivered = await deliverer.deliver(await queued(`call:${call.id}:invitation`));
    const sent = connector.calls.slice(before);
    expect(sent).toHaveLength(1);
    // The id Teams gave the card is kept, so an erasure can replace it later.
    expect(delivered).toEqual({ outcome: 'delivered', vendorMessageId: sent[0]!.answeredId });
    const attachment = (sent[0]!.activity.attachments as { contentType: string; content: Card }[])[0]!;
    expect(attachment.contentType).toBe(ADAPTIVE);
    return { chat, call, links, sent: sent[0]!, card: attachment.content };
  };

  const actionsOf = (card: Card) => (card.actions ?? []) as Action[];
  const execute = (card: Card, join: boolean) => actionsOf(card).find((a) => a.type === 'Action.Execute' && a.data?.join === join)!;

  const invoke = (chat: string, data: Record<string, unknown>) =>
    post(
      activity(chat, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        locale: 'de-DE',
        value: { action: { type: 'Action.Execute', id: 'consent', verb: 'parley.consent', data }, trigger: 'manual' },
      }),
    );

  const recordsOf = (callId: string) =>
    database.db.select().from(consentRecords).where(eq(consentRecords.callId, callId)).orderBy(consentRecords.purpose);
  const textOf = (card: Card) => JSON.stringify(card.body);

  it('stores the conversation reference when the bot is added to a chat, and provisions the Teams tenant', async () => {
    const chat = newChat();
    const res = await botAdded(chat);
    expect(res.status).toBe(200);

    const [installation] = await database.db
      .select()
      .from(installations)
      .where(and(eq(installations.host, 'teams'), eq(installations.externalAccountId, TEAMS_TENANT)));
    expect(installation).toBeDefined();
    tenantId = installation!.tenantId;

    const rows = await database.db.select().from(teamsConversations).where(eq(teamsConversations.conversationId, chat));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tenantId, serviceUrl: connector.url });
    expect(rows[0]!.reference).toMatchObject({ channelId: 'msteams', conversation: { id: chat, tenantId: TEAMS_TENANT }, bot: { id: BOT.id } });
    // Names (the chat's topic, the person who added the bot) are not kept.
    expect(JSON.stringify(rows[0]!.reference)).not.toMatch(/Alex|support|Dana/);

    // Nor who wrote last, or in which language: a message from a member changes nothing and adds no second row.
    expect(rows[0]!.reference).not.toHaveProperty('user');
    expect(rows[0]!.reference).not.toHaveProperty('locale');
    expect((await post(activity(chat, { type: 'message', text: 'hello' }))).status).toBe(200);
    const after = await database.db.select().from(teamsConversations).where(eq(teamsConversations.conversationId, chat));
    expect(after).toHaveLength(1);
    expect(after[0]!.reference).toEqual(rows[0]!.reference);
    const added = await database.db.select().from(auditEvents).where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.action, 'teams.conversation_added')));
    expect(added.map((a) => a.subjectId)).toContain(rows[0]!.id);
  });

  it('sends the consent card as an Adaptive Card 1.5 into the chat, in the customer’s language', async () => {
    const { chat, card, sent, links } = await offerInTeams('consultation');
    expect(sent).toMatchObject({ method: 'POST', kind: 'send', conversationId: chat });
    expect(sent.activity).toMatchObject({ type: 'message', conversation: { id: chat }, from: { id: BOT.id } });
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', lang: 'de' });
    expect(textOf(card)).toContain('Vor Ihrem Videoanruf');
    expect(textOf(card)).toContain('Consultation');

    const accept = execute(card, true);
    const decline = execute(card, false);
    expect(accept).toMatchObject({ verb: 'parley.consent', title: 'Anruf beitreten', data: { join: true, token: expect.any(String), noticeVersionId: expect.any(String) } });
    expect(decline).toMatchObject({ verb: 'parley.consent', title: 'Nicht teilnehmen', data: { join: false } });
    // Same prominence: neither button is styled as the preferred one.
    expect(accept.style ?? decline.style).toBeUndefined();
    expect(accept.fallback).toMatchObject({ type: 'Action.Submit', data: { ...accept.data, verb: 'parley.consent' } });
    expect(decline.fallback).toMatchObject({ type: 'Action.Submit', data: { ...decline.data } });
    const notice = actionsOf(card).find((a) => a.type === 'Action.OpenUrl')!;
    expect(notice.url).toBe(links.customer);
    expect(notice.url).toMatch(/\/c\/[\w-]{43}$/);

    const recording = card.body.find((e) => e.type === 'Input.ChoiceSet')!;
    expect(recording).toMatchObject({ id: 'recording', label: 'Dürfen wir den Anruf aufzeichnen?', isRequired: true });
    expect(recording).not.toHaveProperty('value');
  });

  it('asks nothing about recording where the meeting type never records', async () => {
    const { card } = await offerInTeams('support', 'en-GB');
    expect(card.body.some((e) => e.type === 'Input.ChoiceSet')).toBe(false);
    expect(textOf(card)).toContain('This call is not recorded.');
  });

  it('records an accept from the card and replaces it with the join link; a second click is told it was decided', async () => {
    const { chat, call, card } = await offerInTeams('consultation');
    const accept = execute(card, true);

    const res = await invoke(chat, { ...accept.data, recording: 'false' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ statusCode: 200, type: ADAPTIVE, value: { type: 'AdaptiveCard', version: '1.5' } });
    const joined = res.body.value as Card;
    expect(textOf(joined)).toContain('Vielen Dank');
    const joinLink = actionsOf(joined).find((a) => a.type === 'Action.OpenUrl')!;
    expect(joinLink).toMatchObject({ title: 'Anruf beitreten', url: expect.stringMatching(/^http:\/\/parley\.test\/j\/[\w-]{43}\?lang=de$/) });
    expect((await recordsOf(call.id)).map((r) => [r.purpose, r.granted, r.channel])).toEqual([
      ['join', true, 'teams_chat'],
      ['recording', false, 'teams_chat'],
    ]);

    const again = await invoke(chat, { ...accept.data, recording: 'true' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ statusCode: 200, type: ADAPTIVE });
    expect(textOf(again.body.value)).toContain('Sie haben für diesen Anruf bereits entschieden.');
    expect(actionsOf(again.body.value)).toEqual([]);
    expect(await recordsOf(call.id)).toHaveLength(2);
  });

  type DecidedCard = Card & { refresh?: { action: Action; userIds: string[] } };

  /**
   * A call offered in a new chat through the outbox worker, accepted from the card by the
   * customer; then the worker's next run, which replaces the card in the chat.
   */
  const acceptedInTeams = async () => {
    const { chat, call, invitation, sentCard, worker } = await offeredByWorker('support');
    const pressed = await invoke(chat, execute(sentCard, true).data!);
    const link = actionsOf(pressed.body.value as Card).find((a) => a.type === 'Action.OpenUrl')!.url!;
    const { update, everyone } = await replacedByWorker(worker);
    return { chat, call, invitation, link, update, everyone };
  };
  /** A call offered in a new chat, its card sent by the outbox worker (which keeps the id Teams gave it). */
  const offeredByWorker = async (type: 'support' | 'consultation', locale?: string) => {
    const chat = newChat();
    expect((await botAdded(chat)).status).toBe(200);
    const { call } = await escalate(chat, type, locale);
    const worker = createOutboxWorker({ db: database.db, logger: pino({ level: 'silent' }), deliverers: { 'teams.activity': deliverer }, batchSize: 100 });
    await worker.runOnce();
    const [invitation] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `call:${call.id}:invitation`));
    expect(invitation).toMatchObject({ state: 'delivered', vendorMessageId: expect.any(String) });
    const sentCard = (connector.calls.find((c) => c.answeredId === invitation!.vendorMessageId)!.activity.attachments as { content: Card }[])[0]!.content;
    return { chat, call, invitation: invitation!, sentCard, worker };
  };
  /** The worker's next run, which replaces the decided card in the chat. */
  const replacedByWorker = async (worker: ReturnType<typeof createOutboxWorker>) => {
    const before = connector.calls.length;
    await worker.runOnce();
    const update = connector.calls.slice(before).find((c) => c.kind === 'update')!;
    const everyone = (update.activity.attachments as { content: DecidedCard }[])[0]!.content;
    return { update, everyone };
  };
  /** What a Teams client sends for an Action.Execute: pressed (`manual`), or a refresh on display (`automatic`). */
  const ask = (chat: string, from: Record<string, unknown>, action: Action, trigger: 'automatic' | 'manual') =>
    post(activity(chat, { type: 'invoke', name: 'adaptiveCard/action', from, value: { action, trigger } }));

  it('replaces the card for everyone once the customer decided, and gives the customer’s own client a fresh way in', async () => {
    const { chat, call, invitation, link: firstLink, update, everyone } = await acceptedInTeams();
    // The same message, replaced in the chat: what was chosen, no buttons, no link for anyone to take.
    expect(update).toMatchObject({ conversationId: chat, activityId: invitation.vendorMessageId, status: 200 });
    expect(textOf(everyone)).toContain(de.page.cardAccepted);
    expect(everyone.actions ?? []).toEqual([]);
    expect(JSON.stringify(everyone)).not.toMatch(/\/j\//);
    // Only the customer's client asks for more.
    expect(everyone.refresh!.userIds).toEqual([CUSTOMER.id]);

    // Shown again (Teams refreshes on every display): a Join button, and the link already opened keeps working.
    const shown = await ask(chat, CUSTOMER, everyone.refresh!.action, 'automatic');
    expect(shown.body).toMatchObject({ statusCode: 200, type: ADAPTIVE });
    const join = actionsOf(shown.body.value as Card).find((a) => a.type === 'Action.Execute')!;
    expect(actionsOf(shown.body.value as Card).some((a) => a.type === 'Action.OpenUrl')).toBe(false);
    // Pressed: a fresh link, which takes the customer in.
    const issued = await ask(chat, CUSTOMER, join, 'manual');
    const fresh = actionsOf(issued.body.value as Card).find((a) => a.type === 'Action.OpenUrl')!.url!;
    expect(fresh).toMatch(/^http:\/\/parley\.test\/j\/[\w-]{43}\?lang=de$/);
    expect(fresh).not.toBe(firstLink);
    const redeemed = await t.call('POST', `/api/join/${new URL(fresh).pathname.split('/').pop()}`);
    expect(redeemed.body).toMatchObject({ role: 'customer', call: { id: call.id } });
    // Anyone else who somehow asks gets what everyone sees; once in the call, the customer too.
    const theirs = await ask(chat, { id: '29:agent-dana', name: 'Dana Agent' }, join, 'manual');
    expect(actionsOf(theirs.body.value as Card)).toEqual([]);
    expect(textOf(theirs.body.value as Card)).toContain(de.page.cardAccepted);
    expect(actionsOf((await ask(chat, CUSTOMER, everyone.refresh!.action, 'automatic')).body.value as Card)).toEqual([]);
    expect(actionsOf((await ask(chat, CUSTOMER, join, 'manual')).body.value as Card)).toEqual([]);
  });

  it('keeps the join link the customer opened working however often Teams shows the card again', async () => {
    const { chat, link, everyone } = await acceptedInTeams();
    for (let shown = 0; shown < 3; shown++) expect((await ask(chat, CUSTOMER, everyone.refresh!.action, 'automatic')).body.statusCode).toBe(200);
    const redeemed = await t.call('POST', `/api/join/${new URL(link).pathname.split('/').pop()}`);
    expect(redeemed.status).toBe(200);
  });

  it('posts the decision into the chat as a bot message instead of a ticket note', async () => {
    const { chat, call, card } = await offerInTeams('support');
    expect((await invoke(chat, execute(card, true).data!)).body.statusCode).toBe(200);
    const notes = (await database.db.select().from(outboxMessages).where(eq(outboxMessages.tenantId, tenantId))).filter(
      (m) => m.idempotencyKey.endsWith(':decision-note') && (m.payload as { conversationId: string }).conversationId === chat,
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]!.kind).toBe('teams.activity');
    expect(await deliverer.deliver(await queued(notes[0]!.idempotencyKey))).toMatchObject({ outcome: 'delivered', vendorMessageId: expect.any(String) });
    const sent = connector.calls.at(-1)!;
    expect(sent).toMatchObject({ kind: 'send', conversationId: chat, activity: { type: 'message', textFormat: 'plain' } });
    expect(sent.activity.text).toMatch(/accepted the video call/);
    expect((await recordsOf(call.id)).map((r) => r.granted)).toEqual([true]);
  });

  it('answers only the invited customer: the agent pressing the card in the group chat decides nothing', async () => {
    const { chat, call, card } = await offerInTeams('support');
    /** The agent, a member of the same group chat, presses the customer's Accept. */
    const agentPresses = (locale: string) =>
      post(
        activity(chat, {
          type: 'invoke',
          name: 'adaptiveCard/action',
          locale,
          from: { id: '29:agent-dana', name: 'Dana Agent', aadObjectId: '0b7e9c1a-2222-4d3e-8f00-aaaaaaaaaaaa' },
          value: { action: { type: 'Action.Execute', id: 'consent', verb: 'parley.consent', data: execute(card, true).data }, trigger: 'manual' },
        }),
      );
    const agentPress = await agentPresses('de-DE');
    // Shown to the agent alone; the customer's card stays as it was.
    expect(agentPress.body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Diese Entscheidung trifft die Person, der der Anruf angeboten wurde.' });
    expect(await recordsOf(call.id)).toEqual([]);
    // Told in the presser's own Teams language, not the customer's.
    const inEnglish = await agentPresses('en-GB');
    expect(inEnglish.body.value).toBe(en.page.notForYou);
    expect(await recordsOf(call.id)).toEqual([]);

    // The customer can still decide with the very same card.
    expect((await invoke(chat, execute(card, true).data!)).body).toMatchObject({ statusCode: 200, type: ADAPTIVE });
    expect((await recordsOf(call.id)).map((r) => r.granted)).toEqual([true]);
  });

  it('records a decline as easily, with no way into the call', async () => {
    const { chat, call, card } = await offerInTeams('advice');
    const res = await invoke(chat, execute(card, false).data!);
    expect(res.body).toMatchObject({ statusCode: 200, type: ADAPTIVE });
    expect(textOf(res.body.value)).toContain('Ihre Entscheidung ist gespeichert');
    expect(actionsOf(res.body.value)).toEqual([]);
    expect((await recordsOf(call.id)).map((r) => [r.purpose, r.granted])).toEqual([['join', false]]);
  });

  it('shows the card again when the recording question was left open, and records nothing', async () => {
    const { chat, call, card } = await offerInTeams('consultation');
    const res = await invoke(chat, execute(card, true).data!);
    expect(res.body).toMatchObject({ statusCode: 200, type: ADAPTIVE });
    expect(textOf(res.body.value)).toContain('Bitte beantworten Sie jede Frage.');
    expect(execute(res.body.value, true).data).toEqual(execute(card, true).data);
    expect(await recordsOf(call.id)).toEqual([]);
  });

  /** The Action.Submit fallback of an older client: a message with the card's data as its value. */
  const submitFrom = async (chat: string, card: Card, join: boolean, extra: Record<string, unknown>, conversation?: Record<string, unknown>) => {
    const fallback = execute(card, join).fallback as { data: Record<string, unknown> };
    const submitted = activity(chat, { type: 'message', replyToId: 'card-activity-1', value: { ...fallback.data, ...extra }, ...(conversation ? { conversation } : {}) });
    const before = connector.calls.length;
    const res = await post(submitted);
    expect(res.status).toBe(200);
    const replies = connector.calls.slice(before) as ConnectorCall[];
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ kind: 'reply', conversationId: chat, activityId: submitted.id, status: 201 });
    const result = (replies[0]!.activity.attachments as { contentType: string; content: Card }[])[0]!;
    expect(result.contentType).toBe(ADAPTIVE);
    return { reply: replies[0]!, card: result.content };
  };

  it('takes the Action.Submit fallback of older clients in a one-to-one chat and replies with the join link', async () => {
    const { chat, call, card } = await offerInTeams('consultation');
    const personal = { id: chat, tenantId: TEAMS_TENANT, conversationType: 'personal', isGroup: false };
    const result = await submitFrom(chat, card, true, { recording: 'true' }, personal);
    expect(actionsOf(result.card).find((a) => a.type === 'Action.OpenUrl')?.url).toMatch(/\/j\/[\w-]{43}\?lang=[a-z]{2}$/);
    expect((await recordsOf(call.id)).map((r) => [r.purpose, r.granted])).toEqual([
      ['join', true],
      ['recording', true],
    ]);
  });

  it('never posts the join link into a group chat: an older client’s acceptance is saved, and the customer’s own client shows Join', async () => {
    const { chat, call, sentCard: card, worker } = await offeredByWorker('consultation', 'fr-FR');
    const { reply, card: answer } = await submitFrom(chat, card, true, { recording: 'true' });
    // The reply is a message every member sees: no join link in it, but the answer is taken.
    expect(JSON.stringify(reply.activity)).not.toMatch(/\/j\//);
    expect(textOf(answer)).toContain(fr.page.joinFromTeamsApp);
    expect(actionsOf(answer)).toEqual([]);
    expect((await recordsOf(call.id)).map((r) => [r.purpose, r.granted])).toEqual([
      ['join', true],
      ['recording', true],
    ]);
    // The card is replaced for the chat, and the customer's current client asks for their own way in.
    const { everyone } = await replacedByWorker(worker);
    expect(JSON.stringify(everyone)).not.toMatch(/\/j\//);
    expect(everyone.refresh!.userIds).toEqual([CUSTOMER.id]);
    const shown = await ask(chat, CUSTOMER, everyone.refresh!.action, 'automatic');
    const join = actionsOf(shown.body.value as Card).find((a) => a.type === 'Action.Execute')!;
    const issued = await ask(chat, CUSTOMER, join, 'manual');
    const link = actionsOf(issued.body.value as Card).find((a) => a.type === 'Action.OpenUrl')!.url!;
    expect((await t.call('POST', `/api/join/${new URL(link).pathname.split('/').pop()}`)).body).toMatchObject({ role: 'customer', call: { id: call.id } });

    // Pressed again, the choice stands and is said so.
    const late = await submitFrom(chat, card, true, { recording: 'true' });
    expect(textOf(late.card)).toContain(fr.page.decidedAlready);
    expect(actionsOf(late.card)).toEqual([]);
  });

  it('takes a decline from an older client in a group chat as it is: it reveals nothing', async () => {
    const { chat, call, card } = await offerInTeams('support', 'fr-FR');
    const declined = await submitFrom(chat, card, false, {});
    expect(textOf(declined.card)).toContain(fr.page.declinedText);
    expect((await recordsOf(call.id)).map((r) => [r.purpose, r.granted])).toEqual([['join', false]]);
  });

  it('answers an offer made in a chat only on its card: the link everyone in the chat can open shows the notice and takes no answer', async () => {
    const { chat, call, card, links } = await offerInTeams('consultation');
    const consentToken = new URL(links.customer).pathname.split('/').pop()!;
    // The card's "Read the full notice" is this page: the notice, in the customer's language, and no choices.
    expect(actionsOf(card).find((a) => a.type === 'Action.OpenUrl')!.url).toBe(links.customer);
    const page = await t.app.request(`/c/${consentToken}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(de.page.answerOnTeamsCard);
    expect(html).toContain(de.title);
    expect(html).not.toContain('<form');
    const view = await t.call('GET', `/api/consent/${consentToken}`);
    expect(view.body).toMatchObject({ language: 'de', answerPath: 'teams_card' });

    // A colleague who opened it cannot answer for the customer, by the API or by a form post.
    const noticeVersionId = execute(card, true).data!.noticeVersionId;
    const byApi = await t.call('POST', `/api/consent/${consentToken}`, { body: { noticeVersionId, join: true, recording: true } });
    expect(byApi.status).toBe(403);
    expect(byApi.body).toMatchObject({ error: { code: 'CONSENT_ANSWER_IN_TEAMS' } });
    const byForm = await t.app.request(`/api/consent/${consentToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ noticeVersionId: String(noticeVersionId), join: 'true', recording: 'true', lang: 'de' }).toString(),
    });
    expect(byForm.status).toBe(403);
    expect(await byForm.text()).toContain(de.page.answerOnTeamsCard);
    expect(await recordsOf(call.id)).toEqual([]);

    // Once the customer accepted on the card, the page offers no way into the call either.
    expect((await invoke(chat, { ...execute(card, true).data, recording: 'false' })).body.statusCode).toBe(200);
    const tokensBefore = await database.db.select().from(joinTokens).where(eq(joinTokens.callId, call.id));
    const after = await t.app.request(`/c/${consentToken}`);
    expect(await after.text()).not.toContain('name="rejoin"');
    const rejoin = await t.app.request(`/api/consent/${consentToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ rejoin: 'true', lang: 'de' }).toString(),
    });
    expect(rejoin.status).toBe(403);
    expect(await database.db.select().from(joinTokens).where(eq(joinTokens.callId, call.id))).toEqual(tokensBefore);
  });

  it('returns the reply in the HTTP body when the channel asks for expectReplies', async () => {
    const { chat, call, card } = await offerInTeams('support');
    const fallback = execute(card, false).fallback as { data: Record<string, unknown> };
    const before = connector.calls.length;
    const res = await post(activity(chat, { type: 'message', deliveryMode: 'expectReplies', value: fallback.data }));
    expect(res.status).toBe(200);
    expect(connector.calls.length).toBe(before);
    const [reply] = res.body.activities as { attachments: { content: Card }[] }[];
    expect(textOf(reply!.attachments[0]!.content)).toContain('Ihre Entscheidung ist gespeichert');
    expect((await recordsOf(call.id)).map((r) => r.granted)).toEqual([false]);
  });

  it('answers a click on an unknown link with a card that says so, in the card’s language', async () => {
    const chat = newChat();
    await botAdded(chat);
    const res = await invoke(chat, { token: 'x'.repeat(43), noticeVersionId: '00000000-0000-4000-8000-000000000000', join: true, lang: 'fr' });
    expect(res.body).toMatchObject({ statusCode: 200, type: ADAPTIVE });
    expect(textOf(res.body.value)).toContain('Ce lien n');
  });

  it('says the call has ended when the customer answers the card after the agent ended it', async () => {
    const { chat, call, card } = await offerInTeams('support');
    expect((await t.call('POST', `/api/calls/${call.id}/end`, { token: await teamsAgent() })).status).toBe(200);
    const res = await invoke(chat, execute(card, true).data!);
    expect(res.body).toMatchObject({ statusCode: 200, type: ADAPTIVE });
    expect(textOf(res.body.value)).toContain(de.page.callEnded);
    expect(await recordsOf(call.id)).toEqual([]);
  });

  it('hands throttling and failures back to the outbox: 429 with Retry-After, 5xx retry, 403/404 rejected', async () => {
    const { call } = await offerInTeams('support');
    const note = await queued(`call:${call.id}:invitation`);

    connector.failNext(1, { status: 429, retryAfter: 7 });
    expect(await deliverer.deliver(note)).toEqual({ outcome: 'retry', error: expect.stringContaining('429'), retryAfterMs: 7_000 });
    connector.failNext(1, { status: 502 });
    expect(await deliverer.deliver(note)).toEqual({ outcome: 'retry', error: expect.stringContaining('502') });
    connector.failNext(1, { status: 404, code: 'ConversationNotFound' });
    expect(await deliverer.deliver(note)).toEqual({ outcome: 'rejected', error: 'Bot Connector HTTP 404 ConversationNotFound' });
    connector.failNext(1, { status: 403, code: 'BotNotInConversationRoster' });
    expect(await deliverer.deliver(note)).toMatchObject({ outcome: 'rejected' });
    // One request per attempt: botbuilder's own retries would hold the message past the worker's lease.
    expect(connector.calls.slice(-4).map((c) => c.status)).toEqual([429, 502, 404, 403]);
  });

  it('waits for the bot to be added before sending into an unknown chat', async () => {
    await botAdded(newChat());
    await teamsAgent();
    const result = await deliverer.deliver({
      id: '00000000-0000-4000-8000-000000000001',
      tenantId,
      kind: 'teams.activity',
      idempotencyKey: 'unknown-chat',
      attempts: 0,
      payload: { conversationId: '19:never-added@thread.v2', activity: { type: 'message', text: 'hello' } },
    });
    expect(result).toMatchObject({ outcome: 'retry', error: expect.stringContaining('no conversation reference') });
  });

  it('is described in the OpenAPI document and refuses what cannot be an activity', async () => {
    const doc = (await (await t.app.request('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(doc.paths['/api/messages']).toHaveProperty('post');
    expect((await post({ text: 'no type' })).status).toBe(400);
    expect((await post(activity(newChat(), { type: 'message', text: 'x'.repeat(300 * 1024) }))).status).toBe(413);
  });

  it('replaces the bot’s messages in the chat when the customer is erased', async () => {
    const chat = newChat();
    expect((await botAdded(chat)).status).toBe(200);
    const { call } = await escalate(chat, 'support');
    // Delivered through the outbox worker, which keeps the id Teams gives the card.
    await createOutboxWorker({ db: database.db, logger: pino({ level: 'silent' }), deliverers: { 'teams.activity': deliverer }, batchSize: 100 }).runOnce();
    const [card] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `call:${call.id}:invitation`));
    expect(card).toMatchObject({ state: 'delivered', vendorMessageId: expect.any(String) });

    const [dpoRow] = await database.db.insert(agents).values({ tenantId, host: 'teams', externalUserId: '29:dpo-kim', displayName: 'Kim DPO' }).returning({ id: agents.id });
    await setHostRoles(database.db, tenantId, dpoRow!.id, ['dpo']);
    const dpo = (await t.tokens.issueAgent({ tenantId, agentId: dpoRow!.id, epoch: 0 })).token;
    const received = await t.call('POST', '/api/dsar', { token: dpo, body: { kind: 'erasure', subject: { host: 'teams', externalId: CUSTOMER.id }, verification: 'confirmed in the Teams chat' } });
    expect(received.status).toBe(201);

    const before = connector.calls.length;
    const chatMessages = new TeamsMessageReplacement({ bot, referenceFor: (tenant, conversation) => findConversationReference(database.db, tenant, conversation) });
    await createDsarWorker(
      {
        db: database.db,
        logger: pino({ level: 'silent' }),
        masterKeys: t.recordings.masterKeys,
        stores: t.recordings.stores,
        publicBaseUrl: PUBLIC_BASE_URL,
        dataDir: t.dataDir,
        chatMessages,
        lease: { owner: newLeaseOwner(), ms: 30_000 },
        retry: { baseDelayMs: 100, maxDelayMs: 400 },
      },
      { pollIntervalMs: 60_000 },
    ).drain();

    const updates = connector.calls.slice(before).filter((c) => c.kind === 'update');
    expect(updates.map((u) => u.activityId)).toContain(card!.vendorMessageId);
    const update = updates.find((u) => u.activityId === card!.vendorMessageId)!;
    expect(update.conversationId).toBe(chat);
    expect(update.activity.text).toBe(REPLACEMENT_TEXT);
    expect(JSON.stringify(update.activity)).not.toContain(CUSTOMER.name);

    const request = await t.call('GET', `/api/dsar/${received.body.request.id}`, { token: dpo });
    const { outcome } = request.body.request as { outcome: { chatMessages: Record<string, { state: string }>; notDone: { what: string }[] } };
    const states = Object.values(outcome.chatMessages).map((c) => c.state);
    expect(states.length).toBeGreaterThan(0);
    expect(new Set(states)).toEqual(new Set(['replaced']));
    // Replaced, so not listed among what could not be done.
    expect(outcome.notDone.filter((n) => n.what === 'teams_messages')).toEqual([]);
    const [audit] = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'case.messages_replaced'));
    expect(audit).toBeDefined();
  });

  it('refuses activities without a Bot Framework token once an app id is configured', async () => {
    const secured = createTeamsBot({ appId: '00000000-0000-4000-8000-0000000000aa', appPassword: 'not-used-offline' });
    const { OpenAPIHono } = await import('@hono/zod-openapi');
    const app = new OpenAPIHono().route('/', teamsRoutes(deps, secured));
    const res = await app.request('/api/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity(newChat(), { type: 'message', text: 'hi' })) });
    expect(res.status).toBe(401);
  });
});
