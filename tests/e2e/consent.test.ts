import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consentRecords } from '../../backend/src/db/schema/index.js';
import { shippedLanguages } from '../../backend/src/services/notices/locales/index.js';
import { api, escalateByApi, startHarness, waitForRemoteVideo, type Harness } from './harness.js';

const axePath = createRequire(import.meta.url).resolve('axe-core');

describe('consent in the browser (Janus + Chromium)', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ janusNodes: 1 });
  });
  afterAll(async () => {
    await harness?.close();
  });
  // Calls left running would keep encoding video on a small machine: close every page after each test.
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  const newPage = async () => {
    const context = await harness.browser.newContext();
    contexts.push(context);
    return context.newPage();
  };
  const recordsOf = (callId: string) => harness.parley.database.db.select().from(consentRecords).where(eq(consentRecords.callId, callId));

  /** Both in the call, the room locked to them; `answer` answered the customer's consent page. */
  async function connect(ticket: number, answer: (consentPage: Page) => Promise<void>) {
    const escalated = await escalateByApi(harness, 'consultation', ticket);
    const customer = await newPage();
    await customer.goto(escalated.links.customer);
    await answer(customer);
    await customer.waitForURL(/\/j\//);
    const agent = await newPage();
    await agent.goto(escalated.links.agent);
    await agent.locator('#join-call').click();
    await customer.locator('#join-call').click();
    await Promise.all([waitForRemoteVideo(agent), waitForRemoteVideo(customer)]);
    // The same answer that locks the room starts the call, and with it any recording switch.
    await expect.poll(() => agent.locator('#room-locked').isVisible(), { timeout: 10_000 }).toBe(true);
    return { ...escalated, agent, customer };
  }
  /** Joins and answers the separate recording question. */
  const joinAnsweringRecording = (recording: boolean) => async (page: Page) => {
    await page.locator('input[name=join][value=true]').check();
    await page.locator(`input[name=recording][value=${recording}]`).check();
    await page.locator('form button[type=submit]').click();
  };

  it('declining on the consent page keeps the customer out and says so', async () => {
    const escalated = await escalateByApi(harness, 'support', 5001);
    // The agent is already in the call, waiting for the customer.
    const agent = await newPage();
    await agent.goto(escalated.links.agent);
    await agent.locator('#join-call').click();
    // In the call, Join is gone with the lobby: the focus moved on to Hang up.
    await expect.poll(() => agent.evaluate(() => document.activeElement?.id), { timeout: 10_000 }).toBe('hang-up');
    const page = await newPage();
    await page.goto(escalated.links.customer);
    await page.getByRole('button', { name: 'Do not join' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Your choice is saved');
    expect(page.url()).toContain('/api/consent/');
    expect((await recordsOf(escalated.call.id)).map((r) => [r.purpose, r.granted])).toEqual([['join', false]]);
    // The "no" ends the call: the agent is told why instead of waiting on, and the keyboard is at that line.
    await expect.poll(() => agent.getByTestId('call-status').textContent(), { timeout: 10_000 }).toBe('The customer declined the video call');
    expect(await agent.evaluate(() => document.activeElement?.id)).toBe('call-status');
  });

  it('a customer who declined recording joins, and the agent cannot start a recording', async () => {
    const call = await connect(5002, joinAnsweringRecording(false));
    // The switch is there but cannot be pressed, and the page says why (the server would refuse it).
    const toggle = call.agent.getByTestId('recording-toggle');
    await expect.poll(() => call.agent.getByTestId('recording-hint').textContent()).toBe('The customer said no to recording, so this call is not recorded.');
    expect(await toggle.textContent()).toBe('Start recording');
    expect(await toggle.isDisabled()).toBe(true);
    expect(await call.agent.getByTestId('recording-indicator').isVisible()).toBe(false);
    expect(await call.customer.getByTestId('recording-indicator').isVisible()).toBe(false);
  });

  it('while the account records nothing, the customer is not asked and neither call view offers recording', async () => {
    const admin = await api<{ token: string }>(harness, 'POST', '/api/demo/session', { body: { accountId: 'e2e', userId: '9', name: 'Ada Admin', role: 'admin' } });
    const switchRecording = (enabled: boolean) => api(harness, 'PUT', '/api/admin/onboarding/recording', { token: admin.body.token, body: { enabled } });
    expect((await switchRecording(false)).status).toBe(200);
    try {
      const { agent, customer } = await connect(5010, async (page) => {
        // No recording question: joining is one button, as large as declining.
        expect(await page.locator('input[name=recording]').count()).toBe(0);
        expect(await page.locator('main').textContent()).toContain('This call is not recorded.');
        await page.locator('button[name=join][value=true]').click();
      });
      expect(await agent.getByTestId('recording-toggle').isVisible()).toBe(false);
      for (const page of [agent, customer]) expect(await page.locator('#call-meeting-type').textContent()).toContain('Not recorded');
    } finally {
      expect((await switchRecording(true)).status).toBe(200);
    }
  });

  it('withdrawing consent mid-call stops the recording at once, for both sides', async () => {
    const call = await connect(5003, joinAnsweringRecording(true));
    await call.agent.getByRole('button', { name: 'Start recording' }).click();
    await expect.poll(() => call.customer.getByTestId('recording-indicator').isVisible(), { timeout: 5000 }).toBe(true);
    // Screen readers hear it too: a polite live region says what the indicator shows.
    expect(await call.customer.getByTestId('recording-announcement').textContent()).toBe('Recording started: audio and video are being recorded.');

    const rawDir = join(harness.dataDir, 'recordings', 'raw', call.call.id);
    const bytes = () => readdirSync(rawDir).reduce((sum, f) => sum + statSync(join(rawDir, f)).size, 0);
    await expect.poll(bytes, { timeout: 5000 }).toBeGreaterThan(10_000);

    await call.customer.getByTestId('recording-toggle').click();
    await expect.poll(() => call.customer.getByTestId('recording-indicator').isVisible()).toBe(false);
    expect(await call.customer.getByTestId('recording-announcement').textContent()).toBe('Recording stopped.');
    // The files stop growing: two reads half a second apart agree (while recording they never
    // do: audio alone adds packets every 20 ms), and nothing more is written for two seconds.
    const still = async () => {
      const before = bytes();
      await call.customer.waitForTimeout(500);
      return bytes() === before;
    };
    await expect.poll(still, { timeout: 5000 }).toBe(true);
    const afterStop = bytes();
    await call.customer.waitForTimeout(2000);
    expect(bytes()).toBe(afterStop);
    await expect.poll(() => call.agent.getByTestId('recording-indicator').isVisible(), { timeout: 5000 }).toBe(false);

    const records = await recordsOf(call.call.id);
    expect(records.filter((r) => r.purpose === 'recording').map((r) => [r.event, r.granted])).toEqual(
      expect.arrayContaining([
        ['decision', true],
        ['withdrawal', false],
      ]),
    );
    // The ticket (here: the in-process fake Zendesk) gets internal notes for each step.
    const ticketNotes = () =>
      harness.parley.vendors.fakes!.zendesk.comments('5003').filter((c) => !c.public).map((c) => (c.body ?? '').split('\n')[0]);
    await expect.poll(ticketNotes, { timeout: 10_000 }).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/accepted the video call; allowed recording/),
        'Parley: recording started.',
        'Parley: the customer withdrew consent to recording during the call. Recording stopped.',
        'Parley: recording stopped.',
      ]),
    );
  });

  it('can be done with the keyboard alone', async () => {
    const escalated = await escalateByApi(harness, 'support', 5004);
    const page = await newPage();
    await page.goto(escalated.links.customer);
    const focusOn = async (name: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === name) return;
      }
      throw new Error(`"${name}" is not reachable with Tab`);
    };
    await focusOn('Join the call');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/j\//);
    await focusOn('Join call');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.body.dataset.callState), { timeout: 10_000 }).toBe('joined');
  });

  it.each(shippedLanguages)('has no serious or critical accessibility violation in %s', async (language) => {
    const escalated = await escalateByApi(harness, 'consultation', 6000 + shippedLanguages.indexOf(language));
    const page: Page = await newPage();
    await page.goto(`${escalated.links.customer}?lang=${language}`);
    expect(await page.getAttribute('html', 'lang')).toBe(language);
    const seriousViolations = async () => {
      await page.addScriptTag({ path: axePath });
      return page.evaluate(async () => {
        const result = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }).axe.run();
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
      });
    };
    expect(await seriousViolations()).toEqual([]);

    // Sent back with the recording question open: the summary has the focus, the page passes again,
    // and the other languages still lead to the consent page (it is now shown at the form's address).
    await page.locator('input[name="join"][value="true"]').check();
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(/\/api\/consent\//);
    // Autofocus happens at the next rendering step, which may come just after the load event.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('consent-problem');
    expect(await page.locator('input[name="join"][value="true"]').isChecked()).toBe(true);
    expect(await seriousViolations()).toEqual([]);
    const other = shippedLanguages.find((l) => l !== language)!;
    await page.locator(`a[hreflang="${other}"]`).click();
    await page.waitForURL(/\/c\//);
    expect(await page.getAttribute('html', 'lang')).toBe(other);
  });
});
