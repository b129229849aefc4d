import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dsarRequests, recordings } from '../../backend/src/db/schema/index.js';
import { ADMIN, newZendeskAccount, seriousA11yViolations, settled, tick } from './admin-console-support.js';
import { api, startHarness, waitForRemoteVideo, type Harness } from './harness.js';

const SCREENSHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');
const CONTROLLER = 'Northwind Bank AG';
const TICKET = '9001';
/** A recorded call and its pipeline, or sixteen screens each scanned by axe, take longer than the suite's default. */
const LONG = 180_000;

const screens = [
  ['onboarding', 'Set-up'],
  ['meeting-types', 'Meeting types'],
  ['people', 'People and roles'],
  ['recordings', 'Recordings'],
  ['requests', 'Data-subject requests'],
  ['audit', 'Audit trail'],
  ['retention', 'Retention and storage'],
  ['records', 'Records of processing'],
] as const;

describe('the admin console in Chromium: a new account set up in the browser, every screen in both hosts’ looks', () => {
  let harness: Harness;
  let zendesk: Awaited<ReturnType<typeof newZendeskAccount>>;
  let token: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    zendesk = await newZendeskAccount();
    // Playback links live 10 s here, so the viewer's continuing of them is seen within the run.
    harness = await startHarness({ janusNodes: 1, env: { ...zendesk.env, PLAYBACK_TTL_SECONDS: '10' } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
    await harness?.close();
    await zendesk?.api.close();
  });

  async function newPage(): Promise<Page> {
    const context = await harness.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    contexts.push(context);
    return context.newPage();
  }

  /** The console with the session in its fragment, as a SAML sign-in hands it over. */
  async function openConsole(host: 'zendesk' | 'teams', route = '') {
    const page = await newPage();
    await page.goto(`${harness.parley.url}/app/console.html${host === 'teams' ? '?host=teams' : ''}#session=${token}${route ? `&route=/${route}` : ''}`);
    await page.getByTestId('signed-in-as').waitFor();
    expect(page.url(), 'the session leaves the address bar at once').not.toContain(token);
    return page;
  }

  it('a Zendesk sign-in provisions an empty account that records nothing until an admin finishes set-up', async () => {
    const session = await zendesk.sidebarSignIn(harness.parley.url);
    token = session.token;
    expect(session.onboarding).toEqual({ required: true, url: '/app/console.html#/onboarding' });
    const { body } = await api<{ meetingTypes: { id: string; key: string }[] }>(harness, 'GET', '/api/meeting-types', { token });
    const advice = body.meetingTypes.find((t) => t.key === 'advice')!;
    const refused = await api<{ error: { code: string } }>(harness, 'POST', '/api/calls', {
      token,
      body: { meetingTypeId: advice.id, case: { host: 'zendesk', externalId: '8999' }, customer: { externalId: 'c-8999', displayName: 'Early Customer' } },
    });
    expect(refused.body.error.code).toBe('RECORDING_NOT_ENABLED');
  });

  it('walks the set-up wizard: controller, DPO, privacy policy, storage, meeting types, retention, roles, then recording on', async () => {
    const page = await openConsole('zendesk');
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('#/onboarding');
    const step = page.getByTestId('wizard-step');
    const stepDone = (key: string) => expect.poll(() => page.getByTestId(`step-${key}`).getAttribute('data-done')).toBe('true');
    const next = () => step.getByTestId('save-step').click();

    // Finishing early is refused, in the server's words.
    await page.getByRole('button', { name: 'Finish set-up' }).click();
    await step.getByTestId('finish-onboarding').click();
    await expect.poll(() => step.getByTestId('console-error').textContent()).toMatch(/Missing steps: controller, dpo, privacy_policy.*ONBOARDING_INCOMPLETE/);
    await page.getByRole('button', { name: 'Controller name and contact' }).click();

    await step.getByTestId('setting-controllerName').fill(CONTROLLER);
    await step.getByTestId('setting-controllerContact').fill('Privacy Office, Hauptstraße 1, 10115 Berlin');
    await next();
    await stepDone('controller');
    await expect.poll(() => step.getByRole('heading', { level: 2 }).textContent()).toBe('Data protection officer contact');
    // Left empty, the step names the missing answer beside its field, puts the focus there, and sends nothing.
    await next();
    await expect.poll(() => step.getByText('Enter the data protection officer contact; the privacy notice needs it.').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('dpoContact');
    expect(await page.getByTestId('step-dpo').getAttribute('data-done')).not.toBe('true');
    await step.getByTestId('setting-dpoContact').fill('dpo@northwind.example');
    await next();
    await stepDone('dpo');
    await step.getByTestId('setting-privacyPolicyUrl').fill('https://northwind.example/privacy');
    await step.getByTestId('setting-alternativeContact').fill('+49 30 1234567');
    await next();
    await stepDone('privacy_policy');

    await expect.poll(() => step.getByTestId('storage-advice').inputValue()).toBe('local');
    await next();
    await stepDone('storage');
    await expect.poll(() => step.getByTestId('review-meeting-types').textContent()).toMatch(/Advice call.*Always recorded.*Legal obligation/);
    await next();
    await stepDone('meeting_types');

    // Advice recordings kept 90 days instead of five years: the first one's deletion shows up in the forecast.
    await step.getByTestId('advice-recordingDays').fill('90');
    await step.getByTestId('save-retention-advice').click();
    await expect.poll(() => step.getByTestId('retention-saved-advice').textContent()).toContain('Saved the periods of Advice call');
    await next();
    await stepDone('retention');

    // The people list is searched as the admin types, by part of a name.
    await step.getByTestId('people-search').fill('nobody-by-this-name');
    await expect.poll(() => step.getByTestId('people').textContent()).toContain('No one matches.');
    await step.getByTestId('people-search').fill(ADMIN.name.slice(0, 3).toLowerCase());
    await expect.poll(() => step.getByTestId('people-table').locator('tbody tr').count()).toBe(1);
    await expect.poll(() => step.getByTestId('people-table').textContent()).toContain(ADMIN.name);

    // The admin also takes the DPO role, which brings data-subject requests into the console.
    await step.getByRole('button', { name: `Edit access of ${ADMIN.name}` }).click();
    const editor = page.getByTestId('access-editor');
    await tick(editor.getByLabel('dpo', { exact: true }));
    await editor.getByTestId('save-access').click();
    await expect.poll(() => step.getByTestId('people-table').textContent()).toMatch(/admin \(from Zendesk\).*dpo/);
    await expect.poll(() => page.getByRole('navigation', { name: 'Console' }).textContent()).toContain('Data-subject requests');
    await next();
    await stepDone('roles');

    await expect.poll(() => step.getByRole('heading', { level: 2 }).textContent()).toBe('Finish set-up');
    const recordingChoice = step.getByLabel('Turn on recording for meeting types that record');
    expect(await recordingChoice.isChecked(), 'recording stays off unless the admin asks').toBe(false);
    await expect.poll(() => step.textContent()).toMatch(/Advice call is recorded every time.*Consultation is recorded only when the customer agrees/);
    await tick(recordingChoice);
    await step.getByTestId('finish-onboarding').click();
    await expect.poll(() => page.getByTestId('onboarding-complete').textContent()).toContain('Recording is on');

    const { body } = await api<{ onboarding: { completedAt: string | null; recordingEnabledAt: string | null } }>(harness, 'GET', '/api/admin/onboarding', { token });
    expect(body.onboarding.completedAt).not.toBeNull();
    expect(body.onboarding.recordingEnabledAt).not.toBeNull();
  });

  it('escalates the first call: the customer is offered it with the details from set-up, and its recording can be played from the console', async () => {
    const { body } = await api<{ meetingTypes: { id: string; key: string }[] }>(harness, 'GET', '/api/meeting-types', { token });
    const escalated = await api<{ call: { id: string }; links: { customer: string; agent: string } }>(harness, 'POST', '/api/calls', {
      token,
      body: {
        meetingTypeId: body.meetingTypes.find((t) => t.key === 'advice')!.id,
        case: { host: 'zendesk', externalId: TICKET },
        customer: { externalId: `c-${TICKET}`, displayName: 'Alex Customer', locale: 'en' },
      },
    });
    expect(escalated.status, JSON.stringify(escalated.body)).toBe(201);
    const { customer: customerLink, agent: agentLink } = escalated.body.links;
    // The offer reaches the ticket as a public reply carrying the consent link.
    const offered = () => harness.parley.vendors.fakes!.zendesk.comments(TICKET).some((c) => c.public && (c.body ?? '').includes(customerLink));
    await expect.poll(offered, { timeout: 10_000 }).toBe(true);

    const customer = await newPage();
    await customer.goto(customerLink);
    const notice = (await customer.locator('main').textContent()) ?? '';
    expect(notice).toContain(CONTROLLER);
    expect(notice).toContain('dpo@northwind.example');
    expect(await customer.locator('a[href="https://northwind.example/privacy"]').count()).toBeGreaterThan(0);
    await customer.locator('button[name=join][value=true]').click();
    await customer.waitForURL(/\/j\/[\w-]+(\?lang=[a-z]{2})?$/);
    const agent = await newPage();
    await agent.goto(agentLink);
    await agent.locator('#join-call').click();
    await customer.locator('#join-call').click();
    await Promise.all([waitForRemoteVideo(agent), waitForRemoteVideo(customer)]);
    await expect.poll(() => customer.getByTestId('recording-indicator').isVisible(), { timeout: 10_000 }).toBe(true);
    await agent.waitForTimeout(3000);
    await agent.locator('#hang-up').click();
    const stage = async () => (await harness.parley.database.db.select().from(recordings).where(eq(recordings.callId, escalated.body.call.id)))[0]?.stage;
    await expect.poll(stage, { timeout: 60_000, interval: 500 }).toMatch(/done|failed/);
    expect(await stage()).toBe('done');
    await Promise.all([agent.context().close(), customer.context().close()]);

    const page = await openConsole('zendesk', 'recordings');
    const row = page.getByTestId('recordings-table').getByRole('row').filter({ hasText: 'Alex Customer' });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/Advice call.*Alex Customer.*Ticket 9001/);
    const [viewer] = await Promise.all([page.context().waitForEvent('page'), row.getByTestId('play-recording').click()]);
    await expect.poll(() => viewer.getByTestId('watermark').textContent(), { timeout: 10_000 }).toContain(ADMIN.name);

    // Watched for longer than one link lives, it asks for the next before the first runs out and plays on.
    const continued = viewer.waitForResponse((response) => /\/media\/[^/]+\/continue$/.test(new URL(response.url()).pathname), { timeout: 20_000 });
    await viewer.evaluate(() => {
      const video = document.querySelector('video')!;
      video.loop = true;
      video.muted = true;
      return video.play();
    });
    expect((await continued).status()).toBe(201);
    const playsAt = () => viewer.evaluate(() => document.querySelector('video')!.currentTime);
    await viewer.waitForTimeout(7_000);
    const before = await playsAt();
    await expect.poll(playsAt, { timeout: 5_000 }).not.toBe(before);
    // Each new link is a new source, loaded and resumed from the same moment: paused for that instant only.
    await expect.poll(() => viewer.evaluate(() => document.querySelector('video')!.paused), { timeout: 5_000 }).toBe(false);
    expect(await viewer.getByTestId('viewer-error').isVisible()).toBe(false);
  }, LONG);

  it('opens the ticket note’s link, and plays once the viewer is back from single sign-on and the user asks', async () => {
    const [recording] = await harness.parley.database.db.select({ id: recordings.id, tenantId: recordings.tenantId }).from(recordings).where(eq(recordings.stage, 'done'));
    const note = harness.parley.vendors.fakes!.zendesk.comments(TICKET).find((comment) => comment.body?.includes(recording!.id));
    const noteLink = note!.body!.match(/https?:\/\/\S+/)![0];
    expect(note!.public).toBe(false);

    // The link alone plays nothing. This account has no single sign-on, so the viewer says where to
    // open the recording signed in (with single sign-on it offers that: see recording-pipeline.test.ts).
    const page = await newPage();
    await page.goto(noteLink);
    expect(await page.getByTestId('viewer-error').textContent()).toMatch(/Parley panel in the ticket sidebar/);
    expect(await page.getByTestId('viewer-sign-in').isVisible()).toBe(false);

    // Where the sign-in lands (the ACS's redirect, see saml.test.ts): the viewer with the session in its fragment.
    await page.goto(`${harness.parley.url}/app/recording.html?account=${recording!.tenantId}&recording=${recording!.id}#session=${token}`);
    // Any site can start a sign-in: the audited playback waits for the user's own click.
    await page.getByTestId('viewer-play').waitFor();
    expect(await page.locator('video').count()).toBe(0);
    await page.getByTestId('viewer-play').click();
    await expect.poll(() => page.getByTestId('watermark').textContent(), { timeout: 10_000 }).toContain(ADMIN.name);
    expect(page.url(), 'the session leaves the address bar at once').not.toContain(token);
    expect(await page.getByTestId('viewer-error').isVisible()).toBe(false);
  });

  it('shows the recordings of the meeting type chosen last, however late the answer for an earlier choice arrives', async () => {
    const page = await openConsole('zendesk');
    // The unfiltered list is held back until the reader has already picked a meeting type.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const unfiltered = (url: string) => url.includes('/api/admin/recordings?') && !new URL(url).searchParams.has('meetingTypeId');
    let requested = 0;
    await page.route(/\/api\/admin\/recordings\?/, async (route) => {
      if (unfiltered(route.request().url()) && requested++ === 0) await held;
      await route.continue();
    });
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Recordings', exact: true }).click();
    await expect.poll(() => requested).toBe(1);
    await page.getByTestId('recordings-filter').selectOption({ label: 'Support call' });
    await expect.poll(() => page.getByTestId('no-recordings').isVisible()).toBe(true);

    const late = page.waitForResponse((response) => unfiltered(response.url()));
    release();
    await late;
    await page.waitForTimeout(500);
    // The late answer (which holds the advice call's recording) does not replace the chosen list.
    expect(await page.getByTestId('no-recordings').isVisible()).toBe(true);
    expect(await page.getByTestId('recordings-table').count()).toBe(0);

    await page.getByTestId('recordings-filter').selectOption({ label: 'All meeting types' });
    await expect.poll(() => page.getByTestId('recordings-table').textContent()).toMatch(/Advice call.*Alex Customer/);
  });

  it('previews a draft meeting type in every language before anything is saved', async () => {
    const page = await openConsole('zendesk', 'meeting-types');
    await page.getByRole('button', { name: 'Edit Support call' }).click();
    await page.getByTestId('mt-name').fill('Help call');
    await expect.poll(() => page.getByTestId('summary-preview').textContent(), { timeout: 10_000 }).toContain('Help call');
    // Recording was switched on in set-up: no hint that the notice ignores the policy.
    expect(await page.getByTestId('recording-off-hint').count()).toBe(0);
    await page.getByRole('tab', { name: 'Deutsch' }).click();
    const frame = page.frameLocator('[data-testid=notice-frame]');
    await expect.poll(() => frame.locator('html').getAttribute('lang'), { timeout: 10_000 }).toBe('de');
    expect(await frame.locator('body').textContent()).toContain(CONTROLLER);
    expect(await page.getByTestId('card-preview').getAttribute('lang')).toBe('de');
    expect(await page.getByTestId('notice-frame').getAttribute('sandbox')).toBe('');
    // Nothing was saved by previewing.
    const { body } = await api<{ meetingTypes: { key: string; name: string }[] }>(harness, 'GET', '/api/meeting-types', { token });
    expect(body.meetingTypes.find((t) => t.key === 'support')!.name).toBe('Support call');

    // Another meeting type does not silently replace the unsaved draft.
    await page.getByRole('button', { name: 'Edit Advice call' }).click();
    const discard = page.getByTestId('discard-changes-dialog');
    await expect.poll(() => discard.textContent()).toContain('Discard your changes to Support call?');
    await page.getByTestId('keep-editing').click();
    expect(await page.getByTestId('mt-name').inputValue()).toBe('Help call');
    await page.getByRole('button', { name: 'Edit Advice call' }).click();
    await page.getByTestId('discard-changes').click();
    await expect.poll(() => page.getByTestId('mt-name').inputValue()).toBe('Advice call');

    // A name left empty is named beside the field, and nothing is sent.
    await page.getByTestId('mt-name').fill('');
    await page.getByTestId('mt-save').click();
    await expect.poll(() => page.getByText('Enter a name: customers read it in the privacy notice.').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('mt-name');
  });

  it('lists data-subject requests by deadline, records a new one, extends one, verifies the audit trail and shows what retention will delete', async () => {
    // Two requests whose work is waiting (the worker is told to come back tomorrow): one overdue, one due within a week.
    const me = await api<{ id: string; tenantId: string }>(harness, 'GET', '/api/me', { token });
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    const waiting = (receivedDaysAgo: number) => ({
      tenantId: me.body.tenantId,
      kind: 'access' as const,
      subjectDigest: createHash('sha256').update(randomUUID()).digest('hex'),
      verifiedBy: me.body.id,
      verification: 'replied from the email address on file',
      receivedAt: daysAgo(receivedDaysAgo),
      dueAt: daysAgo(receivedDaysAgo - 30),
      nextAttemptAt: daysAgo(-1),
    });
    await harness.parley.database.db.insert(dsarRequests).values([waiting(32), waiting(24)]);

    const page = await openConsole('zendesk', 'requests');
    const rows = page.getByTestId('requests-table').getByRole('row');
    const overdue = rows.filter({ hasText: /Overdue by [123] days?/ });
    const dueSoon = rows.filter({ hasText: /Due in [567] days/ });
    await expect.poll(() => overdue.getByTestId('deadline-badge').getAttribute('data-tone')).toBe('danger');
    expect(await dueSoon.getByTestId('deadline-badge').getAttribute('data-tone')).toBe('warning');
    // Open requests come first, the nearest deadline on top.
    expect(await rows.nth(1).textContent()).toMatch(/Overdue/);
    // Past its deadline a request can no longer be extended (Art. 12(3)), so nothing offers it.
    expect(await overdue.getByTestId('extend-request').count()).toBe(0);
    expect(await overdue.textContent()).toContain('Too late: the deadline has passed');

    // An address the server refuses is marked on its field, and nothing is recorded.
    await page.getByTestId('dsar-subject').fill('alex-at-example.com');
    await page.getByTestId('dsar-verification').fill('replied from the email address on file');
    await page.getByTestId('dsar-submit').click();
    const subjectField = page.getByTestId('receive-request').getByText('Invalid email address', { exact: true });
    await expect.poll(() => subjectField.isVisible()).toBe(true);
    expect(await rows.count()).toBe(3);
    await page.getByTestId('dsar-subject').fill('alex@example.com');
    await page.getByTestId('dsar-verification').fill('replied from the email address on file');
    await page.getByTestId('dsar-submit').click();
    await expect.poll(() => rows.count()).toBe(4);

    await dueSoon.getByTestId('extend-request').click();
    await page.getByTestId('extend-reason').fill('Many recordings over several years to review.');
    await tick(page.getByTestId('extend-informed'));
    await page.getByTestId('confirm-extend').click();
    const extended = rows.filter({ hasText: '(extended)' });
    await expect.poll(() => extended.count()).toBe(1);
    expect(await extended.textContent()).toMatch(/Due in \d{2} days \(extended\)/);
    expect(await extended.getByTestId('deadline-badge').getAttribute('data-tone')).toBe('neutral');

    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByTestId('verify-audit').click();
    await expect.poll(() => page.getByTestId('audit-verification').textContent()).toMatch(/^IntactThe audit trail is intact: \d+ events checked/);
    await expect.poll(() => page.getByTestId('audit-table').textContent()).toContain('tenant.onboarded');

    await page.getByRole('link', { name: 'Retention and storage' }).click();
    await expect.poll(() => page.getByTestId('retention-chart').getAttribute('aria-label')).toMatch(/^Recordings due for deletion: 1 in \w+ \d{4}\.$/);
    await expect.poll(() => page.getByTestId('storage-total').textContent()).toMatch(/^[\d.]+ (KB|MB) stored in total\.$/);
  });

  it('shows data-subject requests fifty at a time, and the rest on Show more requests', async () => {
    const me = await api<{ id: string; tenantId: string }>(harness, 'GET', '/api/me', { token });
    const answered = (n: number) => ({
      tenantId: me.body.tenantId,
      kind: 'erasure' as const,
      state: 'completed' as const,
      subjectDigest: createHash('sha256').update(randomUUID()).digest('hex'),
      verifiedBy: me.body.id,
      verification: 'replied from the email address on file',
      receivedAt: new Date(Date.now() - (100 + n) * 86_400_000),
      dueAt: new Date(Date.now() - (70 + n) * 86_400_000),
      completedAt: new Date(Date.now() - (90 + n) * 86_400_000),
    });
    await harness.parley.database.db.insert(dsarRequests).values(Array.from({ length: 55 }, (_, n) => answered(n)));
    const total = (await harness.parley.database.db.select({ id: dsarRequests.id }).from(dsarRequests).where(eq(dsarRequests.tenantId, me.body.tenantId))).length;

    const page = await openConsole('zendesk', 'requests');
    const dataRows = page.getByTestId('requests-table').getByRole('row').filter({ has: page.getByTestId('deadline-badge') });
    await expect.poll(() => dataRows.count()).toBe(50);
    // Open requests stay on top; the oldest answered ones wait for the next page.
    expect(await dataRows.nth(0).textContent()).not.toMatch(/Completed/);
    await page.getByTestId('requests-more').click();
    await expect.poll(() => dataRows.count()).toBe(total);
    expect(await page.getByTestId('requests-more').count()).toBe(0);
  });

  it('shows the records of processing generated from the live configuration, and downloads them as PDF', async () => {
    const page = await openConsole('zendesk', 'records');
    await page.getByTestId('show-records').click();
    await expect.poll(() => page.frameLocator('[data-testid=records-frame]').locator('body').textContent(), { timeout: 20_000 }).toContain(CONTROLLER);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('download-dpia').click()]);
    const pdf = readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('switches recording for the whole account only once the admin confirms what it means', async () => {
    const page = await openConsole('zendesk', 'onboarding');
    const state = page.getByTestId('recording-state');
    await expect.poll(() => state.textContent()).toMatch(/^Recording is on since/);
    const recordingOn = async () =>
      (await api<{ onboarding: { recordingEnabledAt: string | null } }>(harness, 'GET', '/api/admin/onboarding', { token })).body.onboarding.recordingEnabledAt !== null;

    // Cancelling changes nothing.
    await page.getByTestId('toggle-recording').click();
    const dialog = page.getByTestId('confirm-recording-dialog');
    await expect.poll(() => dialog.textContent()).toMatch(/no new recording starts.*Every privacy notice gets a new version/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await recordingOn()).toBe(true);

    await page.getByTestId('toggle-recording').click();
    await page.getByTestId('confirm-recording').click();
    await expect.poll(() => state.textContent()).toMatch(/^Recording is off/);
    expect(await recordingOn()).toBe(false);

    await page.getByTestId('toggle-recording').click();
    await expect.poll(() => dialog.textContent()).toMatch(/always where recording is required/);
    await page.getByTestId('confirm-recording').click();
    await expect.poll(() => state.textContent()).toMatch(/^Recording is on since/);
    expect(await recordingOn()).toBe(true);
  });

  it.each(['zendesk', 'teams'] as const)('every screen in the %s look: reachable from the navigation, titled, focused, and free of serious accessibility problems', async (host) => {
    const page = await openConsole(host);
    // One design system per host, chosen at the root.
    expect(await page.locator('.fui-FluentProvider').count()).toBe(host === 'teams' ? 1 : 0);
    expect((await page.locator('[data-garden-id]').count()) > 0).toBe(host === 'zendesk');
    for (const [id, title] of screens) {
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: title, exact: true }).click();
      await expect.poll(() => page.evaluate(() => window.location.hash)).toBe(`#/${id}`);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(title);
      // Focus follows the reader to the new screen's title.
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('screen-title');
      await settled(page);
      await page.screenshot({ path: join(SCREENSHOTS, `${host}-${id}.png`), fullPage: true });
      expect(await seriousA11yViolations(page), `${host} ${id}`).toEqual([]);
    }
  }, LONG);

  it('with host=teams and no session, signs in through Teams, and outside Teams says where to open it', async () => {
    const page = await newPage();
    await page.goto(`${harness.parley.url}/app/console.html?host=teams`);
    await expect.poll(() => page.getByTestId('console-error').textContent(), { timeout: 20_000 }).toContain('only works inside Microsoft Teams');
    expect(await page.locator('.fui-FluentProvider').count()).toBe(1);
    expect(await page.getByTestId('sign-in').textContent()).toBe('Try again');
  });

  it('signs out everywhere, as before', async () => {
    const page = await openConsole('zendesk');
    await page.getByTestId('sign-out').click();
    await expect.poll(() => page.getByTestId('signed-out-text').textContent()).toBe('You are signed out, here and in every other place you were signed in to Parley.');
    expect((await api(harness, 'GET', '/api/me', { token })).status).toBe(401);
  });
});
