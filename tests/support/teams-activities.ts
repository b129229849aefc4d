import type { Hono } from 'hono';

/** Where activities come from in a test: the fake Bot Connector, one Teams tenant, Parley's bot. */
export interface TeamsTestChannel {
  serviceUrl: string;
  teamsTenantId: string;
  bot: { id: string; name: string };
}

/**
 * An activity as the Bot Framework Service posts it for a Teams chat (a group chat unless said
 * otherwise); `fields` add to it or replace its parts (`from`, `type`, `value`…).
 */
export function teamsActivity(channel: TeamsTestChannel, chat: string, fields: Record<string, unknown>, conversationType = 'groupChat') {
  return {
    id: `1:${Math.random().toString(36).slice(2)}`,
    channelId: 'msteams',
    serviceUrl: channel.serviceUrl,
    timestamp: new Date().toISOString(),
    recipient: channel.bot,
    conversation: { id: chat, tenantId: channel.teamsTenantId, conversationType, isGroup: conversationType !== 'personal' },
    channelData: { tenant: { id: channel.teamsTenantId } },
    ...fields,
  };
}

/** Posts an activity to the bot endpoint as the Bot Framework Service would; the answer, parsed. */
export async function postActivity(app: Pick<Hono, 'request'>, body: unknown) {
  const res = await app.request('/api/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}
