import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { and, eq } from 'drizzle-orm';
import { chromium, type Browser, type BrowserContext, type FrameLocator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMicrosoftIdentity, type FakeMicrosoftIdentity } from '../../backend/src/adapters/teams/fake-entra.js';
import { agentRoles, auditEvents, outboxMessages, recordings, roles } from '../../backend/src/db/schema/index.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import { entraV2Claims } from '../support/entra-tokens.js';
import { startFakeTeamsHost, type FakeTeamsHost } from '../support/fakes/teams-host.js';
import { captureRawCall, seedEndedRecordedCall } from '../support/recording-fixtures.js';
import { postActivity, teamsActivity } from '../support/teams-activities.js';
import { chromiumArgs, startHarness, type Harness } from './harness.js';

const CLIENT_ID = '3f1c6a2e-8b4d-4e7a-9c1f-2d5b6e7a8c90';
const TEAMS_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BOT = { id: '28:9e1b5ae6-7c43-4a4b-9ad6-0c5a4f3d2e10', name: 'Parley' };

/** An Entra ID access token for Parley's API, as Teams hands it to the app on getAuthToken. */
const ssoClaims = (oid: string, name: string) => entraV2Claims(oid, { tenantId: TEAMS_TENANT, clientId: CLIENT_ID, name });

describe('Parley inside Microsoft Teams: the tab and the recording dialog, framed by a stand-in Teams web client', () => {
  let harness: Harness;
  let entra: FakeMicrosoftIdentity;
  let host: FakeTeamsHost;
  let browser: Browser;
  let rawCall: string;
  let tenantId: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [entra, host, rawCall] = await Promise.all([startFakeMicrosoftIdentity(), startFakeTeamsHost(), captureRawCall(4)]);
    harness = await startHarness({ janusNodes: 1, env: { ENTRA_JWKS_URL: entra.entraJwksUrl, TEAMS_SSO_AUDIENCE: CLIENT_ID } });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: [...chromiumArgs, ...host.chromiumArgs] });
    // The bot's first chat in a Teams tenant installs Parley there.
    ({ tenantId } = await provisionTenant(harness.parley.database.db, { host: 'teams', externalAccountId: TEAMS_TENANT }));
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
    await browser?.close().catch(() => {});
    await harness?.close();
    await host?.close();
    await entra?.close();
    if (rawCall) await rm(rawCall, { recursive: true, force: true });
  });

  /** Teams open at `appUrl`, signed in as the person the token names; the app's frame. */
  async function inTeams(appUrl: string, ssoToken: string, frameContext: 'content' | 'task' = 'content'): Promise<{ app: FrameLocator; calls: () => Promise<string[]> }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(host.pageFor(appUrl, { ssoToken, frameContext }));
    return { app: page.frameLocator('#app'), calls: () => page.evaluate(() => (window as unknown as { teamsHostCalls: string[] }).teamsHostCalls) };
  }

  it('signs the user in to the Parley tab with Teams single sign-on', async () => {
    const token = await entra.signEntraToken(ssoClaims(randomUUID(), 'Tess Teams'));
    const { app, calls } = await inTeams(`${harness.parley.url}/teams/tab`, token);
    await expect.poll(() => app.locator('#agent-name').textContent(), { timeout: 15_000 }).toBe('Tess Teams');
    expect(await calls()).toEqual(['initialize', 'authentication.getAuthToken']);
  });

  it('takes an admin from the tab to the Parley console, signed in with Teams again and in the Teams look', async () => {
    const db = harness.parley.database.db;
    const token = await entra.signEntraToken(ssoClaims(randomUUID(), 'Ada Admin'));
    const first = (await (await fetch(`${harness.parley.url}/api/teams/session`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).json()) as { agent: { id: string } };
    const [admin] = await db.select({ id: roles.id }).from(roles).where(and(eq(roles.tenantId, tenantId), eq(roles.name, 'admin')));
    await db.insert(agentRoles).values({ agentId: first.agent.id, roleId: admin!.id, source: 'admin' });

    const { app, calls } = await inTeams(`${harness.parley.url}/teams/tab`, token);
    await app.getByTestId('console-link').click();
    await expect.poll(() => app.getByTestId('signed-in-as').textContent(), { timeout: 15_000 }).toContain('Ada Admin');
    expect(await app.locator('body').evaluate(() => new URL(window.location.href).searchParams.get('host'))).toBe('teams');
    // The console is a new page in the same frame: it shook hands and asked for a token of its own.
    expect(await calls()).toEqual(['initialize', 'authentication.getAuthToken', 'initialize', 'authentication.getAuthToken']);
  });

  it("plays a recording from the bot's message in a Teams dialog, watermarked with the viewer's name, and audits it", async () => {
    const db = harness.parley.database.db;
    const oid = randomUUID();
    const ssoToken = await entra.signEntraToken(ssoClaims(oid, 'Dana Agent'));
    // The agent has used Parley in Teams before; the call was theirs, in a chat with the customer.
    const session = (await (await fetch(`${harness.parley.url}/api/teams/session`, { method: 'POST', headers: { authorization: `Bearer ${ssoToken}` } })).json()) as {
      agent: { id: string };
    };
    const chat = `19:recorded-${randomUUID()}@thread.v2`;
    const seeded = await seedEndedRecordedCall(db, harness.dataDir, { tenantId, agentId: session.agent.id }, rawCall, { teamsChat: chat });
    await expect
      .poll(async () => (await db.select({ stage: recordings.stage }).from(recordings).where(eq(recordings.id, seeded.recordingId)))[0]?.stage, { timeout: 60_000 })
      .toBe('done');

    // The chat is told with a card; its Play recording button asks the bot for a dialog.
    const [note] = await db.select().from(outboxMessages).where(eq(outboxMessages.idempotencyKey, `recording:${seeded.recordingId}:stored`));
    const card = (note!.payload as { activity: { attachments: { content: { actions: { title: string; data: unknown }[] } }[] } }).activity.attachments[0]!.content;
    const button = card.actions.find((action) => action.title === 'Play recording')!;
    // A loopback address: nothing in this turn calls the Bot Connector.
    const channel = { serviceUrl: `${harness.parley.url}/no-connector/`, teamsTenantId: TEAMS_TENANT, bot: BOT };
    const fetched = await postActivity(
      { request: (path, init) => fetch(new URL(String(path), harness.parley.url), init) },
      teamsActivity(channel, chat, { type: 'invoke', name: 'task/fetch', from: { id: '29:1agent-dana', aadObjectId: oid }, value: { type: 'task/fetch', data: button.data } }),
    );
    const dialog = fetched.body as { task: { type: string; value: { url: string } } };
    expect(dialog.task.type).toBe('continue');

    // Teams frames the dialog's page; it signs in with Teams and plays.
    const { app, calls } = await inTeams(dialog.task.value.url, ssoToken, 'task');
    await expect.poll(() => app.getByTestId('viewer-name').textContent(), { timeout: 15_000 }).toBe('Dana Agent');
    expect(await app.getByTestId('viewer-error').isVisible()).toBe(false);
    await expect.poll(() => app.locator('video').evaluate((video: HTMLVideoElement) => video.readyState >= 2 && video.duration >= 3), { timeout: 15_000 }).toBe(true);
    expect(await app.getByTestId('watermark').textContent()).toContain('Dana Agent');
    expect(await calls()).toEqual(['initialize', 'authentication.getAuthToken']);

    // Someone from a Microsoft 365 tenant where Parley is not installed gets the server's reason, and nothing plays.
    const stranger = await entra.signEntraToken(entraV2Claims(randomUUID(), { tenantId: 'b3d9e1f0-4c2a-4f6e-8d7b-9a0c1e2f3a4b', clientId: CLIENT_ID, name: 'Sam Elsewhere' }));
    const refused = await inTeams(dialog.task.value.url, stranger, 'task');
    await expect.poll(() => refused.app.getByTestId('viewer-error').textContent(), { timeout: 15_000 }).toMatch(/tenant that has not installed Parley/);
    expect(await refused.app.getByTestId('viewer-retry').isVisible()).toBe(false);
    expect(await refused.app.locator('video').count()).toBe(0);

    const played = await db
      .select({ actorId: auditEvents.actorId })
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, seeded.recordingId), eq(auditEvents.action, 'recording.playback_started')));
    expect(played).toEqual([{ actorId: session.agent.id }]);
  });
});
