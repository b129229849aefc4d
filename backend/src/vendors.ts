import { randomBytes } from 'node:crypto';
import { startFakeSunco, type FakeSunco } from './adapters/sunco/fake-server.js';
import { SuncoMessageDeliverer } from './adapters/sunco/deliverer.js';
import { createTeamsBot, type TeamsBot } from './adapters/teams/bot.js';
import { TeamsActivityDeliverer, type TeamsDelivererConfig } from './adapters/teams/deliverer.js';
import { TeamsMessageReplacement } from './adapters/teams/message-replacement.js';
import type { ChatMessageReplacement } from './ports/chat-message-replacement.js';
import { startFakeZendesk, type FakeZendesk } from './adapters/zendesk/fake-server.js';
import { ZendeskTicketCommentDeliverer } from './adapters/zendesk/ticket-comments.js';
import { ZendeskNoteRedaction } from './adapters/zendesk/note-redaction.js';
import type { TicketNoteRedaction } from './ports/ticket-note-redaction.js';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import type { Logger } from './logger.js';
import type { OutboxDeliverers } from './services/outbox/worker.js';
import { findConversationReference } from './services/teams/find-conversation-reference.js';
import { zendeskAccountUrl } from './services/outbox/zendesk-account-url.js';

export interface Vendors {
  deliverers: OutboxDeliverers;
  /** Present when the Teams bot endpoint is served. */
  teamsBot: TeamsBot | undefined;
  /** Replaces the bot's messages in Teams chats (erasure); absent without a Teams bot. */
  chatMessages: ChatMessageReplacement | undefined;
  /** Present when SunCo webhooks are accepted. */
  suncoWebhook: { webhookSecret: string } | undefined;
  /** Redacts Parley's notes on Zendesk tickets (erasure); absent without Zendesk API access. */
  ticketNotes: TicketNoteRedaction | undefined;
  /** The in-process fakes, when PARLEY_FAKE_VENDORS=1 (the demo shows what they received). */
  fakes: { zendesk: FakeZendesk; sunco: FakeSunco } | undefined;
  close(): Promise<void>;
}

const secret = () => randomBytes(24).toString('base64url');

/**
 * Picks each vendor's adapter from config: the real API, or with
 * PARLEY_FAKE_VENDORS=1 an in-process fake that speaks the same wire format on
 * loopback. A vendor without credentials is simply not delivered to.
 */
export async function startVendors(config: Config, db: Db, logger: Logger): Promise<Vendors> {
  let zendesk = config.zendesk;
  let sunco = config.sunco;
  let fakes: Vendors['fakes'];
  if (config.fakeVendors) {
    const zendeskAuth = { oauthToken: secret() };
    const suncoKeys = { keyId: 'app_demo', secret: secret() };
    fakes = {
      zendesk: await startFakeZendesk({ credentials: zendeskAuth, autoCreateTickets: true }),
      sunco: await startFakeSunco({ appId: 'demo-app', keys: suncoKeys }),
    };
    zendesk = { ...zendesk, auth: zendeskAuth, apiBaseUrl: fakes.zendesk.url };
    sunco = {
      appId: 'demo-app',
      keyId: suncoKeys.keyId,
      keySecret: suncoKeys.secret,
      webhookSecret: secret(),
      apiBaseUrl: `${fakes.sunco.url}/sc`,
      timeoutMs: config.sunco?.timeoutMs ?? 10_000,
    };
  }

  const deliverers: OutboxDeliverers = {};
  let ticketNotes: TicketNoteRedaction | undefined;
  const accountUrl = zendeskAccountUrl(db, { override: zendesk.apiBaseUrl });
  if (zendesk.auth) {
    deliverers['zendesk.ticket_comment'] = new ZendeskTicketCommentDeliverer({ auth: zendesk.auth, timeoutMs: zendesk.timeoutMs, baseUrlFor: accountUrl });
    ticketNotes = new ZendeskNoteRedaction({ auth: zendesk.auth, timeoutMs: zendesk.timeoutMs, baseUrlFor: accountUrl });
  }
  if (sunco) {
    const { apiBaseUrl } = sunco;
    deliverers['sunco.message'] = new SuncoMessageDeliverer({
      appId: sunco.appId,
      auth: { keyId: sunco.keyId, secret: sunco.keySecret },
      timeoutMs: sunco.timeoutMs,
      baseUrlFor: async (tenantId) => apiBaseUrl ?? `${await accountUrl(tenantId)}/sc`,
    });
  }
  const chats = teamsChats(config, db);
  const teamsBot = chats?.bot;
  let chatMessages: ChatMessageReplacement | undefined;
  if (chats) {
    if (!chats.bot.authEnabled) logger.warn('teams: no MICROSOFT_APP_ID, /api/messages is unauthenticated (demo only)');
    deliverers['teams.activity'] = new TeamsActivityDeliverer(chats);
    chatMessages = new TeamsMessageReplacement(chats);
  }
  return {
    deliverers,
    teamsBot,
    chatMessages,
    ticketNotes,
    suncoWebhook: sunco ? { webhookSecret: sunco.webhookSecret } : undefined,
    fakes,
    close: async () => {
      await Promise.allSettled([fakes?.zendesk.close(), fakes?.sunco.close()]);
    },
  };
}

/** The Teams bot and how it finds a chat, when Teams is configured: what sends into chats and replaces messages there. */
export function teamsChats(config: Config, db: Db): (TeamsDelivererConfig & { bot: TeamsBot }) | undefined {
  if (!config.teams) return undefined;
  return { bot: createTeamsBot({ ...config.teams }), referenceFor: (tenantId, conversationId) => findConversationReference(db, tenantId, conversationId) };
}
