import type { TestApp } from './test-app.js';

/** What an admin fills in the set-up wizard's settings steps. */
export const controllerSettings = {
  controllerName: 'Acme Bank AG',
  controllerContact: 'privacy@acme-bank.example',
  dpoContact: 'dpo@acme-bank.example',
  privacyPolicyUrl: 'https://acme-bank.example/privacy',
};

/**
 * An admin goes through the set-up wizard of an account a host provisioned: fills the controller
 * settings, marks every review step, and finishes, switching recording on unless told not to.
 */
export async function finishOnboarding(t: Pick<TestApp, 'call'>, adminToken: string, options: { enableRecording?: boolean } = {}) {
  const must = (res: { status: number; body: unknown }, what: string) => {
    if (res.status !== 200) throw new Error(`${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  must(await t.call('PUT', '/api/admin/settings', { token: adminToken, body: controllerSettings }), 'settings');
  for (const key of ['storage', 'meeting_types', 'retention', 'roles']) {
    must(await t.call('PUT', `/api/admin/onboarding/steps/${key}`, { token: adminToken, body: { reviewed: true } }), `review ${key}`);
  }
  return must(await t.call('POST', '/api/admin/onboarding/complete', { token: adminToken, body: { enableRecording: options.enableRecording ?? true } }), 'complete').body;
}
