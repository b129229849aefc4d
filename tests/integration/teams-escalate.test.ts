import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeamsBot } from '../../backend/src/adapters/teams/bot.js';
import { TeamsActivityDeliverer } from '../../backend/src/adapters/teams/deliverer.js';
import type { Database } from '../../backend/src/db/client.js';
import { agents, calls, cases, installations, outboxMessages } from '../../backend/src/db/schema/index.js';
import type { OutboxEnvelope } from '../../backend/src/ports/outbox-delivery.js';
import { teamsRoutes } from '../../backend/src/routes/teams.js';
import { setHostRoles } from '../../backend/src/services/access/assignments.js';
import { findConversationReference } from '../../backend/src/services/teams/find-conversation-reference.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { freshDatabase } from '../support/databases.js';
import { startFakeBotConnector, type FakeBotConnector } from '../support/fakes/bot-connector.js';
import { postActivity, teamsActivity } from '../support/teams-activities.js';
import { PUBLIC_BASE_URL, buildTestApp, startTestJanus, tokenOf } from '../support/test-app.js';

const TEAMS_TENANT = '3d5c1b2a-8e7f-4a6b-9c0d-1e2f3a4b5c6d';
const BOT = { id: '28:9e1b5ae6-7c43-4a4b-9ad6-0c5a4f3d2e10', name: 'Parley' };
const AGENT = { id: '29:1agent-dana', name: 'Dana Agent', aadObjectId: '0a1b2c3d-0000-4000-8000-00000000a9e7' };
const CUSTOMER = { id: '29:1customer-alex', name: 'Alex Customer', aadObjectId: '0a1b2c3d-0000-4000-8000-0000c0570e12', email: 'alex@example.com', userRole: 'guest' };
const COLLEAGUE = { id: '29:1colleague-sam', name: 'Sam Colleague', aadObjectId: '0a1b2c3d-0000-4000-8000-0000c011ea90' };

type Card = { body: Record<string, unknown>[]; actions?: Record<string, unknown>[] };
type TaskAnswer = { task: { type: 'continue'; value: { title: string; card: { contentType: string; content: Card } } } | { type: 'message'; value: string } };

describe('escalating a Teams chat from the message extension', () => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let connector: FakeBotConnector;
  let deliverer: TeamsActivityDeliverer;
  let chatCounter = 0;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-teams-escalate-'));
    [database, janus, connector] = await Promise.all([freshDatabase('pglite'), startTestJanus(baseDir), startFakeBotConnector()]);
    t = await buildTestApp(database, janus);
        // No app id: CloudAdapter skips token checks, as it would for a local emulator.
    const bot = createTeamsBot({ connectorTimeoutMs: 5_000 });
    t.app.route('/', teamsRoutes(t.deps, bot));
    deliverer = new TeamsActivityDeliverer({ bot, referenceFor: (tenant, conversation) => findConversationReference(database.db, tenant, conversation) });
  });
  afterAll(async () => {
    await t?.close();
    await connector?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  const activity = (chat: string, from: Record<string, unknown>, fields: Record<string, unknown>, conversationType = 'groupChat') =>
    teamsActivity({ serviceUrl: connector.url, teamsTenantId: TEAMS_TENANT, bot: BOT }, chat, { from, ...fields }, conversationType);
  const post = (body: unknown) => postActivity(t.app, body);

  /** A group chat of the agent, the customer and a colleague, with Parley added. */
  const newChat = async () => {
    const chat = `19:escalate-${++chatCounter}@thread.v2`;
    connector.setMembers(chat, [AGENT, CUSTOMER, COLLEAGUE]);
    expect((await post(activity(chat, AGENT, { type: 'conversationUpdate', membersAdded: [{ id: BOT.id }] }))).status).toBe(200);
    return chat;
  };

  const fetchTask = (chat: string, from = AGENT, conversationType?: string) =>
    post(activity(chat, from, { type: 'invoke', name: 'composeExtension/fetchTask', value: { commandId: 'escalateToVideo', commandContext: 'compose' } }, conversationType));
  const submit = (chat: string, data: Record<string, unknown>, from = AGENT) =>
    post(activity(chat, from, { type: 'invoke', name: 'composeExtension/submitAction', value: { commandId: 'escalateToVideo', commandContext: 'compose', data } }));

  /** The agent, as the Parley tab's Teams sign-in would have created them. */
  let agentMade = false;
  const agentSignedIn = async () => {
    if (agentMade) return;
    const [installation] = await database.db.select().from(installations).where(and(eq(installations.host, 'teams'), eq(installations.externalAccountId, TEAMS_TENANT)));
    const [row] = await database.db
      .insert(agents)
      .values({ tenantId: installation!.tenantId, host: 'teams', externalUserId: AGENT.aadObjectId, displayName: AGENT.name })
      .returning({ id: agents.id });
    await setHostRoles(database.db, installation!.tenantId, row!.id, ['agent']);
    agentMade = true;
  };

  const dialogOf = (answer: TaskAnswer) => {
    if (answer.task.type !== 'continue') throw new Error(`expected a dialog, got: ${answer.task.value}`);
    return answer.task.value.card.content;
  };
  const choicesOf = (card: Card, id: string) => (card.body.find((b) => b.id === id) as { choices: { title: string; value: string }[] }).choices;

  it('asks someone Parley does not know yet to sign in through the Parley tab first', async () => {
    const chat = await newChat();
    const res = await fetchTask(chat);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ task: { type: 'message', value: expect.stringMatching(/Open Parley in the Teams app bar once/) } });
  });

  it('offers the meeting types and the people of the chat, then sends the consent card into the chat and gives the agent their link', async () => {
    const chat = await newChat();
    await agentSignedIn();

    const dialog = dialogOf((await fetchTask(chat)).body);
    const types = choicesOf(dialog, 'meetingTypeId');
    expect(types.map((c) => c.title)).toEqual(expect.arrayContaining(['Support call (audio and video, not recorded)']));
    // Everyone but the agent, from both pages of the member list.
    expect(choicesOf(dialog, 'customer')).toEqual([
      { title: CUSTOMER.name, value: CUSTOMER.aadObjectId },
      { title: COLLEAGUE.name, value: COLLEAGUE.aadObjectId },
    ]);

    const support = types.find((c) => c.title.startsWith('Support call'))!.value;
    const offered = dialogOf((await submit(chat, { command: 'escalateToVideo', meetingTypeId: support, customer: CUSTOMER.aadObjectId })).body);
    expect(JSON.stringify(offered.body)).toContain('Alex Customer was sent the privacy notice');
    const open = offered.actions!.find((a) => a.title === 'Open call') as { url: string };
    expect(open.url).toMatch(new RegExp(`^${PUBLIC_BASE_URL}/j/[\\w-]+$`));

    // The chat is the case; the customer is who the agent chose, known by their Entra object id.
    const [call] = await database.db.select({ id: calls.id, caseExternalId: cases.externalId, channel: cases.channel }).from(calls).innerJoin(cases, eq(cases.id, calls.caseId)).where(eq(cases.externalId, chat));
    expect(call).toMatchObject({ caseExternalId: chat, channel: 'teams_chat' });
    const [row] = await database.db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `call:${call!.id}:invitation`));
    const before = connector.calls.length;
    await deliverer.deliver({ id: row!.id, tenantId: row!.tenantId, kind: 'teams.activity', idempotencyKey: row!.idempotencyKey, payload: row!.payload as OutboxEnvelope<'teams.activity'>['payload'], attempts: 0 });
    const [sent] = connector.calls.slice(before);
    expect(sent).toMatchObject({ kind: 'send', conversationId: chat });
    const card = (sent!.activity.attachments as { content: Card }[])[0]!.content;
    const accept = card.actions!.find((a) => a.type === 'Action.Execute' && (a.data as { join: boolean }).join) as { data: Record<string, unknown> };

    // Only the chosen customer decides with it: the colleague is told it is not for them.
    const press = (from: Record<string, unknown>) =>
      post(activity(chat, from, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'parley.consent', data: accept.data }, trigger: 'manual' } }));
    expect((await press(COLLEAGUE)).body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect((await press(CUSTOMER)).body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });

    // The agent's link opens their seat in the call.
    const redeemed = await t.call('POST', `/api/join/${tokenOf(open.url)}`);
    expect(redeemed.body).toMatchObject({ role: 'agent', call: { id: call!.id } });
  });

  it('refuses a person who is not in the chat, an answer that is not one, and a channel or a one-to-one chat', async () => {
    const chat = await newChat();
    await agentSignedIn();
    const support = choicesOf(dialogOf((await fetchTask(chat)).body), 'meetingTypeId')[0]!.value;
    const stranger = await submit(chat, { command: 'escalateToVideo', meetingTypeId: support, customer: '0a1b2c3d-0000-4000-8000-00000000dead' });
    expect(stranger.body).toEqual({ task: { type: 'message', value: 'That person is not in this chat any more.' } });
    const incomplete = await submit(chat, { command: 'escalateToVideo', customer: CUSTOMER.aadObjectId });
    expect(incomplete.body.task).toMatchObject({ type: 'message', value: expect.stringMatching(/Choose a meeting type/) });
    const unknownType = await submit(chat, { command: 'escalateToVideo', meetingTypeId: '00000000-0000-4000-8000-000000000000', customer: CUSTOMER.aadObjectId });
    expect(unknownType.body.task).toMatchObject({ type: 'message', value: 'No such meeting type for this account.' });
    // A chat Parley was never added to: Teams will not list its members to the bot.
    const elsewhere = await fetchTask('19:parley-not-here@thread.v2');
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.task).toMatchObject({ type: 'message', value: expect.stringMatching(/Add Parley to the chat/) });
    for (const kind of ['channel', 'personal']) {
      expect((await fetchTask(chat, AGENT, kind)).body.task).toMatchObject({ type: 'message', value: expect.stringMatching(/Escalate from a chat with the customer/) });
    }
    // Nothing was created by any of these.
    expect(await database.db.select({ id: cases.id }).from(cases).where(eq(cases.externalId, chat))).toEqual([]);
  });

  it("opens the viewer in a Teams dialog for Play recording on the bot's recording message, and nothing for other buttons", async () => {
    const chat = await newChat();
    const recordingId = randomUUID();
    const taskFetch = (data: unknown) => post(activity(chat, COLLEAGUE, { type: 'invoke', name: 'task/fetch', value: { type: 'task/fetch', data, context: { theme: 'default' } } }));
    // What the card's Action.Submit posts back: its data, with Teams' own field beside ours.
    const play = await taskFetch({ msteams: { type: 'task/fetch' }, parley: 'parley.play_recording', recordingId });
    expect(play.status).toBe(200);
    const viewer = `${PUBLIC_BASE_URL}/teams/recording?recording=${recordingId}`;
    expect(play.body).toEqual({ task: { type: 'continue', value: { title: 'Call recording', url: viewer, height: 'large', width: 'large' } } });
    // The dialog itself grants nothing: whoever opens it is signed in and checked by the viewer.
    for (const data of [{ parley: 'parley.play_recording', recordingId: 'not-a-recording' }, { parley: 'something-else', recordingId }, undefined]) {
      expect((await taskFetch(data)).body).toEqual({ task: { type: 'message', value: 'Parley does not know this button.' } });
    }
  });
});
