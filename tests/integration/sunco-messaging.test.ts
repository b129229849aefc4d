import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { OpenAPIHono } from '@hono/zod-openapi';
import { and, asc, eq } from 'drizzle-orm';
import { requestId } from 'hono/request-id';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageReference, SuncoMessageDeliverer } from '../../backend/src/adapters/sunco/deliverer.js';
import { startFakeSunco, type FakeSunco, type SuncoWebhookSender } from '../../backend/src/adapters/sunco/fake-server.js';
import type { SuncoWebhookEvent } from '../../backend/src/adapters/sunco/types.js';
import type { Database } from '../../backend/src/db/client.js';
import { calls, cases, consentRecords, consentRequests, joinTokens, noticeVersions, outboxMessages, processedWebhookEvents, tenants } from '../../backend/src/db/schema/index.js';
import type { AppEnv } from '../../backend/src/http/context.js';
import { handleError } from '../../backend/src/http/errors.js';
import { createLogger } from '../../backend/src/logger.js';
import type { OutboxEnvelope } from '../../backend/src/ports/outbox-delivery.js';
import { suncoWebhookRoutes } from '../../backend/src/routes/webhooks-sunco.js';
import { hashJoinToken } from '../../backend/src/services/calls/join-token.js';
import { en } from '../../backend/src/services/notices/locales/en.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { buildTestApp, escalation, localRecordingDeps, PUBLIC_BASE_URL, startTestJanus, tokenOf } from '../support/test-app.js';

const APP_ID = '5f2a9c0e1b3d4a0012345678';
const KEY = { keyId: 'app_5f2a9c0e1b3d4a0087654321', secret: 'sunco-test-key-secret-Qw8rT2' };
const WEBHOOK_SECRET = 'sunco-webhook-secret-Zp4mK7vX';
const WEBHOOK_URL = `${PUBLIC_BASE_URL}/webhooks/sunco`;

/** SunCo conversation ids are 24 hex digits. */
const conversationId = () => randomBytes(12).toString('hex');

function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

describe.each(databaseKinds)('Zendesk messaging through Sunshine Conversations on %s', (kind) => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let fake: FakeSunco;
  let sunco: SuncoWebhookSender;
  let hooks: OpenAPIHono<AppEnv>;
  let agent: string;
  let tenantId: string;
  let ticket = 7000;
  const types: Record<string, string> = {};
  const logs = captureLogs();

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-sunco-'));
    [database, janus, fake] = await Promise.all([freshDatabase(kind), startTestJanus(baseDir), startFakeSunco({ appId: APP_ID, keys: KEY })]);
    t = await buildTestApp(database, janus);
    agent = await t.signIn();
    for (const key of ['support', 'advice', 'consultation'] as const) types[key] = await t.meetingType(agent, key);
    [{ id: tenantId }] = (await database.db.select({ id: tenants.id }).from(tenants)) as [{ id: string }];

    // Mounted as app.ts will mount it; the request id and error handler are the app's own.
    hooks = new OpenAPIHono<AppEnv>();
    hooks.use('*', requestId());
    hooks.onError(handleError(logs.logger));
    hooks.route(
      '/',
      suncoWebhookRoutes(
        { db: database.db, media: t.gateway, tokens: t.tokens, logger: logs.logger, publicBaseUrl: PUBLIC_BASE_URL, joinTokenTtlSeconds: 900, dataDir: t.dataDir, ...localRecordingDeps(t.dataDir) },
        { webhookSecret: WEBHOOK_SECRET },
      ),
    );
    sunco = fake.webhooks({ url: WEBHOOK_URL, secret: WEBHOOK_SECRET, fetch: (url, init) => hooks.request(url, init) });
  });
  afterAll(async () => {
    await fake?.close();
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  const deliverer = (options: Partial<ConstructorParameters<typeof SuncoMessageDeliverer>[0]> = {}) =>
    new SuncoMessageDeliverer({ appId: APP_ID, auth: KEY, baseUrlFor: () => fake.baseUrl, timeoutMs: 2_000, ...options });

  const escalate = async (type: string, conversation: string) => {
    const body = escalation(types[type]!, String(++ticket), `cust-${ticket}`);
    const res = await t.call('POST', '/api/calls', {
      token: agent,
      body: { ...body, case: { host: 'zendesk', channel: 'zendesk_messaging', externalId: String(ticket), conversationId: conversation } },
    });
    expect(res.status).toBe(201);
    return res.body as { call: { id: string }; links: { customer: string; agent: string } };
  };
  /** What is queued for one conversation, oldest first. */
  const queued = async (conversation: string) =>
    (await database.db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'sunco.message')).orderBy(asc(outboxMessages.createdAt))).filter(
      (m) => (m.payload as { conversationId: string }).conversationId === conversation,
    );
  const envelope = (row: typeof outboxMessages.$inferSelect, attempts = 0): OutboxEnvelope<'sunco.message'> => ({
    id: row.id,
    tenantId: row.tenantId,
    kind: 'sunco.message',
    idempotencyKey: row.idempotencyKey,
    payload: row.payload as OutboxEnvelope<'sunco.message'>['payload'],
    attempts,
  });
  /** Delivers everything queued for the conversation that the fake has not seen yet. */
  const deliverAll = async (conversation: string) => {
    const rows = await queued(conversation);
    const seen = new Set(fake.messages(conversation).map((m) => m.metadata?.parleyRef));
    for (const row of rows.filter((r) => !seen.has(messageReference(r.idempotencyKey)))) {
      expect(await deliverer().deliver(envelope(row))).toEqual({ outcome: 'delivered' });
    }
    return fake.messages(conversation);
  };
  const actionsOf = (message: { content: unknown }) => (message.content as { actions?: Record<string, string>[] }).actions;
  const recordsOf = (callId: string) => database.db.select().from(consentRecords).where(eq(consentRecords.callId, callId)).orderBy(consentRecords.purpose);
  const processed = (eventId: string) =>
    database.db.select().from(processedWebhookEvents).where(and(eq(processedWebhookEvents.source, 'sunco'), eq(processedWebhookEvents.eventId, eventId)));
  const setPostbacks = (on: boolean) => database.db.update(tenants).set({ messagingPostbacks: on }).where(eq(tenants.id, tenantId));
  /** An invitation with buttons, delivered: the conversation as the customer sees it. */
  const invited = async (type = 'support') => {
    const conversation = conversationId();
    const { call, links } = await escalate(type, conversation);
    const [invitation] = await deliverAll(conversation);
    return { conversation, call, links, invitation: invitation! };
  };

  it('sends the invitation as a business text message with the consent link, and no buttons without the plan', async () => {
    await setPostbacks(false);
    const conversation = conversationId();
    const { links } = await escalate('support', conversation);
    const [row, ...more] = await queued(conversation);
    expect(more).toEqual([]);
    expect(row!.tenantId).toBe(tenantId);

    const [message, ...others] = await deliverAll(conversation);
    expect(others).toEqual([]);
    expect(message).toMatchObject({
      author: { type: 'business' },
      content: { type: 'text', text: expect.stringMatching(/\S/), actions: [{ type: 'link', text: en.page.fullNoticeLink, uri: links.customer }] },
      metadata: { parleyRef: messageReference(row!.idempotencyKey) },
    });
    expect(links.customer).toMatch(/\/c\/[\w-]{43}$/);
    const posts = fake.requests().filter((r) => r.path === `/sc/v2/apps/${APP_ID}/conversations/${conversation}/messages`);
    expect(posts).toEqual([{ method: 'POST', path: posts[0]!.path, authorized: true, status: 201 }]);
  });

  it('offers Join and Decline buttons of equal weight next to the notice link where the tenant has postbacks', async () => {
    await setPostbacks(true);
    const { links, invitation } = await invited('support');
    const token = tokenOf(links.customer);
    const [request] = await database.db.select().from(consentRequests).where(eq(consentRequests.tokenHash, hashJoinToken(token)));
    expect(actionsOf(invitation)).toEqual([
      { type: 'postback', text: en.page.joinNow, payload: `parley:consent:${token}:${request!.noticeVersionId}:yes` },
      { type: 'postback', text: en.page.declineCall, payload: `parley:consent:${token}:${request!.noticeVersionId}:no` },
      { type: 'link', text: en.page.fullNoticeLink, uri: links.customer },
    ]);

    const advice = await invited('advice');
    expect(actionsOf(advice.invitation)?.map((a) => a.text)).toEqual([en.page.acceptRecordedCall, en.page.declineCall, en.page.fullNoticeLink]);
  });

  it('sends only the link where recording needs its own answer, which a button cannot ask', async () => {
    await setPostbacks(true);
    const { links, invitation } = await invited('consultation');
    expect(actionsOf(invitation)).toEqual([{ type: 'link', text: en.page.fullNoticeLink, uri: links.customer }]);
  });

  it('records a pressed Join once, for the notice version shown, and answers with the join link', async () => {
    await setPostbacks(true);
    const { conversation, call, links } = await invited('support');
    const sent = await sunco.press(conversation, en.page.joinNow);
    expect(sent.status).toBe(200);

    const records = await recordsOf(call.id);
    expect(records.map((r) => [r.purpose, r.granted, r.channel])).toEqual([['join', true, 'zendesk_messaging']]);
    const [request] = await database.db.select().from(consentRequests).where(eq(consentRequests.tokenHash, hashJoinToken(tokenOf(links.customer))));
    expect(records[0]!.noticeVersionId).toBe(request!.noticeVersionId);

    const replayed = await sunco.replay(sent.event);
    expect(replayed.status).toBe(200);
    expect(await recordsOf(call.id)).toHaveLength(1);
    expect(await processed(sent.event.id)).toHaveLength(1);

    const [, reply, ...more] = await deliverAll(conversation);
    expect(more).toEqual([]);
    expect(reply).toMatchObject({ author: { type: 'business' }, content: { text: en.page.joinedText } });
    const [joinAction] = actionsOf(reply!)!;
    expect(joinAction).toMatchObject({ type: 'link', text: en.page.joinNow, uri: expect.stringMatching(new RegExp(`^${PUBLIC_BASE_URL}/j/[\\w-]{43}\\?lang=en$`)) });
    const redeemed = await t.call('POST', `/api/join/${tokenOf(joinAction!.uri!)}`);
    expect(redeemed.status).toBe(200);
  });

  it('acknowledges a later press on a decided link without a second record, and says so in the chat', async () => {
    await setPostbacks(true);
    const { conversation, call } = await invited('support');
    expect((await sunco.press(conversation, en.page.declineCall)).status).toBe(200);
    const again = await sunco.press(conversation, en.page.joinNow);
    expect(again.status).toBe(200);
    expect((await recordsOf(call.id)).map((r) => r.granted)).toEqual([false]);
    expect(await processed(again.event.id)).toHaveLength(1);

    const texts = (await deliverAll(conversation)).map((m) => m.content.text);
    expect(texts.slice(1)).toEqual([en.page.declinedText, en.page.decidedAlready]);
    const customerLinks = await database.db.select().from(joinTokens).where(eq(joinTokens.callId, call.id));
    expect(customerLinks).toHaveLength(1); // the agent's only
  });

  it('records one decision when SunCo delivers the same event twice at once', async () => {
    await setPostbacks(true);
    const { conversation, call, invitation } = await invited('support');
    const event: SuncoWebhookEvent = {
      id: randomBytes(12).toString('hex'),
      createdAt: new Date().toISOString(),
      type: 'conversation:postback',
      payload: { conversation: { id: conversation, type: 'personal' }, user: { id: 'u1' }, postback: { payload: actionsOf(invitation)![0]!.payload } },
    };
    const results = await Promise.all([sunco.replay(event), sunco.replay(event), sunco.replay(event)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await recordsOf(call.id)).toHaveLength(1);
    expect((await queued(conversation)).map((m) => (m.payload as { text: string }).text)).toHaveLength(2);
  });

  it('refuses a webhook without the right X-API-Key and records nothing', async () => {
    await setPostbacks(true);
    const { conversation, call, invitation } = await invited('support');
    const yes = actionsOf(invitation)![0]!.payload!;

    const forged = await sunco.postback(conversation, yes, { apiKey: 'sunco-webhook-secret-Zp4mK7vY' });
    expect(forged.status).toBe(401);
    const bare = await hooks.request(WEBHOOK_URL, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forged.body) });
    expect(bare.status).toBe(401);
    expect((await bare.json()).error.code).toBe('UNAUTHORIZED');
    const shortKey = await sunco.postback(conversation, yes, { apiKey: 'x' });
    expect(shortKey.status).toBe(401);
    expect(await recordsOf(call.id)).toEqual([]);
    expect(await processed(forged.event.id)).toEqual([]);

    // The same event with the right key is accepted: only the key was wrong.
    expect((await sunco.replay(forged.event)).status).toBe(200);
    expect(await recordsOf(call.id)).toHaveLength(1);
  });

  it('decides nothing for a button naming a notice version that was not shown, and logs the refusal by id', async () => {
    await setPostbacks(true);
    const { conversation, call, links } = await invited('support');
    const token = tokenOf(links.customer);
    const [otherNotice] = await database.db.select().from(noticeVersions).where(eq(noticeVersions.meetingTypeId, types.advice!)).limit(1);

    const sent = await sunco.postback(conversation, `parley:consent:${token}:${otherNotice!.id}:yes`);
    expect(sent.status).toBe(200);
    expect(await recordsOf(call.id)).toEqual([]);
    const line = logs.lines.find((l) => l.includes(sent.event.id));
    expect(JSON.parse(line!)).toMatchObject({ eventId: sent.event.id, callId: call.id, code: 'NOTICE_VERSION_MISMATCH', msg: 'sunco postback refused' });
    expect(logs.lines.join('\n')).not.toContain(token);

    // The genuine button on the same link still decides.
    expect((await sunco.press(conversation, en.page.joinNow)).status).toBe(200);
    expect((await recordsOf(call.id)).map((r) => r.granted)).toEqual([true]);
  });

  it('decides nothing for a button pressed in another conversation', async () => {
    await setPostbacks(true);
    const { call, invitation } = await invited('support');
    const sent = await sunco.postback(conversationId(), actionsOf(invitation)![0]!.payload!);
    expect(sent.status).toBe(200);
    expect(await recordsOf(call.id)).toEqual([]);
    expect(logs.lines.some((l) => l.includes(sent.event.id) && l.includes('CONVERSATION_MISMATCH'))).toBe(true);
  });

  it('takes a button from the conversation that carried it, after a later escalation of the ticket moved to another one', async () => {
    await setPostbacks(true);
    const { conversation, call, invitation } = await invited('support');
    // The same ticket escalated again from another messaging conversation: the case now points there.
    const [firstCase] = await database.db.select({ caseId: calls.caseId }).from(calls).where(eq(calls.id, call.id));
    const [ticketCase] = await database.db.select().from(cases).where(eq(cases.id, firstCase!.caseId));
    const later = conversationId();
    const again = await t.call('POST', '/api/calls', {
      token: agent,
      body: { ...escalation(types.support!, ticketCase!.externalId, `cust-${ticketCase!.externalId}`), case: { host: 'zendesk', channel: 'zendesk_messaging', externalId: ticketCase!.externalId, conversationId: later } },
    });
    expect(again.status).toBe(201);
    expect((await database.db.select().from(cases).where(eq(cases.id, ticketCase!.id)))[0]!.conversationId).toBe(later);

    // The first invitation's button, sent from the case's new conversation, is not one Parley sent there.
    const elsewhere = await sunco.postback(later, actionsOf(invitation)![0]!.payload!);
    expect(elsewhere.status).toBe(200);
    expect(await recordsOf(call.id)).toEqual([]);
    expect(logs.lines.some((l) => l.includes(elsewhere.event.id) && l.includes('CONVERSATION_MISMATCH'))).toBe(true);
    // From the conversation that carried it, it decides.
    const sent = await sunco.postback(conversation, actionsOf(invitation)![0]!.payload!);
    expect(sent.status).toBe(200);
    expect((await recordsOf(call.id)).map((r) => [r.purpose, r.granted])).toEqual([['join', true]]);
  });

  it('acknowledges events it does not act on and stores nothing for them', async () => {
    const conversation = conversationId();
    const typed = await sunco.userMessage(conversation, 'hello');
    const botButton = await sunco.postback(conversation, 'BOT_MENU_OPENING_HOURS');
    expect([typed.status, botButton.status]).toEqual([200, 200]);
    expect(await processed(typed.event.id)).toEqual([]);
    expect(await processed(botButton.event.id)).toEqual([]);

    const malformed = await hooks.request(WEBHOOK_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': WEBHOOK_SECRET },
      body: JSON.stringify({ events: 'nope' }),
    });
    expect(malformed.status).toBe(400);
  });

  describe('delivery outcomes', () => {
    const oneMessage = async () => {
      const conversation = conversationId();
      await escalate('support', conversation);
      const [row] = await queued(conversation);
      return { conversation, message: envelope(row!) };
    };

    it('retries a 429 after the Retry-After SunCo gave, and a 5xx with the worker’s own backoff', async () => {
      const { conversation, message } = await oneMessage();
      fake.failNext(1, 429, { retryAfterSeconds: 7 });
      expect(await deliverer().deliver(message)).toEqual({ outcome: 'retry', error: 'SunCo HTTP 429 too_many_requests', retryAfterMs: 7_000 });
      fake.failNext(1, 503, { retryAfterSeconds: 30 });
      expect(await deliverer().deliver(message)).toEqual({ outcome: 'retry', error: 'SunCo HTTP 503 service_unavailable' });
      expect(fake.messages(conversation)).toEqual([]);
      expect(await deliverer().deliver({ ...message, attempts: 2 })).toEqual({ outcome: 'delivered' });
      expect(fake.messages(conversation)).toHaveLength(1);
    });

    it('rejects what no retry can fix: unknown app or conversation, refused key, bad request', async () => {
      const { conversation, message } = await oneMessage();
      expect(await deliverer({ appId: 'no-such-app' }).deliver(message)).toEqual({ outcome: 'rejected', error: 'SunCo HTTP 404 not_found' });
      fake.failNext(1, 404);
      expect((await deliverer().deliver(message)).outcome).toBe('rejected');
      expect(await deliverer({ auth: { ...KEY, secret: 'wrong' } }).deliver(message)).toEqual({ outcome: 'rejected', error: 'SunCo HTTP 401 unauthorized' });
      fake.failNext(1, 400);
      expect((await deliverer().deliver(message)).outcome).toBe('rejected');
      fake.failNext(1, 403);
      expect((await deliverer().deliver(message)).outcome).toBe('rejected');
      const unsafe = await deliverer().deliver({ ...message, payload: { ...message.payload, conversationId: '../../apps' } });
      expect(unsafe.outcome).toBe('rejected');
      expect(fake.messages(conversation)).toEqual([]);
    });

    it('retries when SunCo cannot be reached, and does not post twice when a timed-out attempt had landed', async () => {
      const { conversation, message } = await oneMessage();
      const closed = await startFakeSunco({ appId: APP_ID, keys: KEY });
      await closed.close();
      const unreachable = await deliverer({ baseUrlFor: () => closed.baseUrl }).deliver(message);
      expect(unreachable).toMatchObject({ outcome: 'retry', error: expect.stringContaining('ECONNREFUSED') });

      fake.setLatency(400);
      try {
        expect(await deliverer({ timeoutMs: 100 }).deliver(message)).toEqual({ outcome: 'retry', error: 'SunCo no answer within 100 ms' });
      } finally {
        fake.setLatency(0);
      }
      expect(await deliverer().deliver({ ...message, attempts: 1 })).toEqual({ outcome: 'delivered' });
      expect(fake.messages(conversation)).toHaveLength(1);
      expect(fake.requests().filter((r) => r.path.endsWith(`/${conversation}/messages`)).map((r) => r.method)).toEqual(['POST', 'GET']);
    });
  });
});
