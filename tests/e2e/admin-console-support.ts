import { createHash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import type { Locator, Page } from 'playwright-core';
import { startFakeZendesk, type FakeZendesk } from '../../backend/src/adapters/zendesk/fake-server.js';

const axePath = createRequire(import.meta.url).resolve('axe-core');

export const ADMIN = { id: 8101, name: 'Ada Admin', role: 'admin' as const };

/**
 * A Zendesk account Parley has never seen, with Parley's app installed: the fake plays the
 * account's API (the app's public key, the user), and `sidebarSignIn` does what Zendesk does when
 * the admin opens a ticket, a signed POST to the sidebar URL. Its first load provisions a tenant.
 */
export async function newZendeskAccount() {
  const appId = '900101';
  const installation = '360009876543';
  const subdomain = 'northwind';
  const auth = { oauthToken: `e2e-${randomUUID()}` };
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const api: FakeZendesk = await startFakeZendesk({ credentials: auth, appPublicKeys: { [appId]: await exportSPKI(publicKey) }, users: [ADMIN] });

  return {
    api,
    /** What Parley needs to verify the account's signed URLs and read its users. */
    env: { ZENDESK_APP_ID: appId, ZENDESK_OAUTH_TOKEN: auth.oauthToken, ZENDESK_API_BASE_URL: api.url },
    async sidebarSignIn(parleyUrl: string) {
      const now = Math.floor(Date.now() / 1000);
      const signed = await new SignJWT({
        iss: `${subdomain}.zendesk.com`,
        aud: `https://${subdomain}.zendesk.com/api/v2/apps/installations/${installation}.json`,
        sub: `https://${subdomain}.zendesk.com/api/v2/users/${ADMIN.id}.json`,
        iat: now - 5,
        exp: now + 300,
        qsh: createHash('sha256').update(randomUUID()).digest('hex'),
        context: { product: 'support', location: 'ticket_sidebar' },
      })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .sign(privateKey);
      const res = await fetch(`${parleyUrl}/zendesk/sidebar`, { method: 'POST', body: new URLSearchParams({ token: signed }) });
      const html = await res.text();
      const handover = /<script type="application\/json" id="parley-session">(.*?)<\/script>/s.exec(html);
      if (res.status !== 200 || !handover) throw new Error(`sidebar sign-in answered ${res.status}`);
      return JSON.parse(handover[1]!) as { token: string; onboarding: { required: boolean; url: string } };
    },
  };
}

/**
 * Ticks a checkbox the way a person does, by clicking its label: Garden draws its own box over the
 * native input. The click waits until the label stops moving (dialogs slide in).
 */
export async function tick(checkbox: Locator): Promise<void> {
  const id = await checkbox.getAttribute('id');
  await checkbox.page().locator(`label[for="${id}"]`).click();
  if (!(await checkbox.isChecked())) throw new Error(`checkbox ${id} did not tick`);
}

/** Resolves once no screen part still says it is loading. */
export const settled = (page: Page) =>
  page.waitForFunction(() => ![...document.querySelectorAll('[role=status]')].some((e) => /Loading|Generating/.test(e.textContent ?? '')));

/** axe-core's serious and critical findings on the page as it is now. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ path: axePath });
    // Colours are checked as they settle, not halfway through a button's fade from disabled to enabled.
    await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; }' });
  }
  return page.evaluate(async () => {
    type Axe = { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
    const result = await (window as unknown as { axe: Axe }).axe.run(
      // Fluent's focus sentinels are focusable and aria-hidden on purpose: they pass focus on at once (microsoft/tabster#288).
      { exclude: [['[data-tabster-dummy]']] },
      // Previews sit in script-less sandboxed frames axe cannot enter; the notice page itself is scanned in consent.test.ts.
      { iframes: false },
    );
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}
