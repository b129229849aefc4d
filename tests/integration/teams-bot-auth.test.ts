import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { SignJWT, exportSPKI, generateKeyPair, importJWK, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeamsBot } from '../../backend/src/adapters/teams/bot.js';
import { startFakeMicrosoftIdentity, type FakeMicrosoftIdentity } from '../../backend/src/adapters/teams/fake-entra.js';
import type { Database } from '../../backend/src/db/client.js';
import { teamsConversations } from '../../backend/src/db/schema/index.js';
import { teamsRoutes } from '../../backend/src/routes/teams.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { startFakeBotConnector, type FakeBotConnector } from '../support/fakes/bot-connector.js';
import { buildTestApp, startTestJanus } from '../support/test-app.js';

const BOT_APP_ID = '9e1b5ae6-7c43-4a4b-9ad6-0c5a4f3d2e10';
const OTHER_BOT_APP_ID = '0a7d1c55-3e2f-4b8a-9c6d-5e4f3a2b1c0d';
const TEAMS_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BOT_ISSUER = 'https://api.botframework.com';

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('Bot Framework tokens on /api/messages', () => {
  let janus: LocalJanus;
  let baseDir: string;
  let microsoft: FakeMicrosoftIdentity;
  let connector: FakeBotConnector;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-bot-auth-'));
    [janus, microsoft, connector] = await Promise.all([startTestJanus(baseDir), startFakeMicrosoftIdentity(), startFakeBotConnector()]);
  });
  afterAll(async () => {
    await janus?.stop();
    await microsoft?.close();
    await connector?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  describe.each(databaseKinds)('on %s', (kind) => {
    let database: Database;
    let t: Awaited<ReturnType<typeof buildTestApp>>;
    let chats = 0;

    beforeAll(async () => {
      database = await freshDatabase(kind);
      t = await buildTestApp(database, janus, { demo: false });
      // A production bot: an app id, so every activity must carry a Bot Framework token; the keys come from the fake.
      const bot = createTeamsBot({
        appId: BOT_APP_ID,
        appPassword: 'bot-app-password-for-tests',
        connectorTimeoutMs: 5_000,
        openIdMetadataUrl: microsoft.botOpenIdMetadataUrl,
        emulatorOpenIdMetadataUrl: microsoft.emulatorOpenIdMetadataUrl,
      });
      expect(bot.authEnabled).toBe(true);
            t.app.route('/', teamsRoutes(t.deps, bot));
    });
    afterAll(async () => {
      await t?.close();
      await database?.close();
    });

    /** The bot added to a new group chat, as the Bot Framework Service posts it. */
    const botAdded = () => {
      const chat = `19:auth-${kind}-${++chats}@thread.v2`;
      return {
        chat,
        activity: {
          type: 'conversationUpdate',
          id: `f:${chats}`,
          channelId: 'msteams',
          serviceUrl: connector.url,
          timestamp: new Date().toISOString(),
          from: { id: '29:agent-dana' },
          recipient: { id: `28:${BOT_APP_ID}`, name: 'Parley' },
          conversation: { id: chat, tenantId: TEAMS_TENANT, conversationType: 'groupChat', isGroup: true },
          channelData: { tenant: { id: TEAMS_TENANT } },
          membersAdded: [{ id: `28:${BOT_APP_ID}` }],
        },
      };
    };

    /** What the Bot Connector puts in a channel token for this bot. */
    const channelClaims = (): JWTPayload => ({ iss: BOT_ISSUER, aud: BOT_APP_ID, serviceurl: connector.url });

    const post = async (activity: unknown, authorization?: string) => {
      const res = await t.app.request('/api/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(activity),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as { error?: { code: string } }) : undefined };
    };

    const remembered = async (chat: string) => (await database.db.select().from(teamsConversations).where(eq(teamsConversations.conversationId, chat))).length > 0;

    it('processes an activity signed by the Bot Framework for this bot', async () => {
      const { chat, activity } = botAdded();
      const res = await post(activity, `Bearer ${await microsoft.signBotToken(channelClaims())}`);
      expect(res.status).toBe(200);
      expect(await remembered(chat)).toBe(true);
    });

    const unsignedOrForged: [string, () => Promise<string | undefined>][] = [
      ['unsigned', async () => undefined],
      ['alg: none', async () => `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...channelClaims(), exp: now() + 600 })}.`],
      [
        'HS256 keyed with the published public key',
        async () => {
          const jwks = (await (await fetch(`${microsoft.url}/v1/.well-known/keys`)).json()) as { keys: JWK[] };
          const pem = await exportSPKI((await importJWK({ ...jwks.keys[0]!, alg: 'RS256' }, 'RS256', { extractable: true })) as CryptoKey);
          const token = await new SignJWT({ ...channelClaims(), exp: now() + 600 })
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: jwks.keys[0]!.kid })
            .sign(new TextEncoder().encode(pem));
          return `Bearer ${token}`;
        },
      ],
      ['wrongly signed (another key under the published kid)', async () => `Bearer ${await microsoft.signBotToken(channelClaims(), { key: (await generateKeyPair('RS256')).privateKey })}`],
      ['signed with a key that is not published', async () => `Bearer ${await microsoft.signBotToken(channelClaims(), { key: (await generateKeyPair('RS256')).privateKey, kid: 'unpublished' })}`],
      ['meant for another bot (wrong audience)', async () => `Bearer ${await microsoft.signBotToken({ ...channelClaims(), aud: OTHER_BOT_APP_ID })}`],
      ['expired', async () => `Bearer ${await microsoft.signBotToken({ ...channelClaims(), nbf: now() - 7200, iat: now() - 7200, exp: now() - 3600 })}`],
      ['from another issuer', async () => `Bearer ${await microsoft.signBotToken({ ...channelClaims(), iss: 'https://api.botframework.example' })}`],
      ['for another serviceUrl', async () => `Bearer ${await microsoft.signBotToken({ ...channelClaims(), serviceurl: 'https://smba.trafficmanager.net/emea/' })}`],
    ];

    it.each(unsignedOrForged)('answers 401 to an activity %s, and neither stores nor replies', async (_name, authorization) => {
      const sentBefore = connector.calls.length;
      const { chat, activity } = botAdded();
      const res = await post(activity, await authorization());
      expect(res.status).toBe(401);
      expect(res.body?.error?.code).toBe('UNAUTHORIZED');
      expect(await remembered(chat)).toBe(false);
      expect(connector.calls.length).toBe(sentBefore);
    });
  });
});
