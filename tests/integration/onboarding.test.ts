import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, calls } from '../../backend/src/db/schema/index.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { controllerSettings } from '../support/onboarding.js';
import { buildTestApp, escalation, startTestJanus, tokenOf, type TestApp } from '../support/test-app.js';
import { startZendeskSidebar, type HandedOverSession } from '../support/zendesk-sidebar.js';

const ADA = { id: 7002, name: 'Ada Admin', role: 'admin' as const };
const DANA = { id: 7001, name: 'Dana Agent', role: 'agent' as const };
const REVIEW_STEPS = ['storage', 'meeting_types', 'retention', 'roles'] as const;

describe('setting up an account a host installed', () => {
  let janus: LocalJanus;
  let baseDir: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-onboarding-'));
    janus = await startTestJanus(baseDir);
  });
  afterAll(async () => {
    await janus?.stop();
    rmSync(baseDir, { recursive: true, force: true });
  });

  describe.each(databaseKinds)('on %s', (kind) => {
    let database: Database;
    let sidebar: Awaited<ReturnType<typeof startZendeskSidebar>>;
    let t: TestApp;
    let ada: HandedOverSession;
    let dana: HandedOverSession;
    let consultationCall: string;
    let noticeVersionWhileOn: number;

    beforeAll(async () => {
      [database, sidebar] = await Promise.all([freshDatabase(kind), startZendeskSidebar([ADA, DANA])]);
      t = await buildTestApp(database, janus, { demo: false, identity: sidebar.identity });
      sidebar.installPage(t.dataDir);
      ada = await sidebar.signIn(t.app, 'acme', ADA);
      dana = await sidebar.signIn(t.app, 'acme', DANA);
    });
    afterAll(async () => {
      await t?.close();
      await sidebar?.close();
      await database?.close();
    });

    const onboarding = async (token = ada.token) => {
      const res = await t.call('GET', '/api/admin/onboarding', { token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.onboarding as { completedAt: string | null; recordingEnabledAt: string | null; steps: { key: string; done: boolean; title: string }[] };
    };
    const done = (view: Awaited<ReturnType<typeof onboarding>>) => view.steps.filter((s) => s.done).map((s) => s.key);
    const escalate = async (type: 'support' | 'advice' | 'consultation', ticket: string) =>
      t.call('POST', '/api/calls', { token: dana.token, body: escalation(await t.meetingType(dana.token, type), ticket) });

    it('sends the admin to the set-up wizard on sign-in, and not the agent', () => {
      expect(ada.onboarding).toEqual({ required: true, url: '/app/console.html#/onboarding' });
      expect(dana.onboarding).toEqual({ required: false, url: '/app/console.html#/onboarding' });
    });

    it('starts with recording off and no step done', async () => {
      const view = await onboarding();
      expect(view).toMatchObject({ completedAt: null, recordingEnabledAt: null });
      expect(view.steps.map((s) => s.key)).toEqual(['controller', 'dpo', 'privacy_policy', 'storage', 'meeting_types', 'retention', 'roles']);
      expect(done(view)).toEqual([]);
      expect(view.steps.every((s) => s.title.length > 0)).toBe(true);
    });

    it('refuses an Advice call, whose recording is required, until an admin has finished set-up; unrecorded calls go ahead', async () => {
      const advice = await escalate('advice', 'advice-before');
      expect(advice.status).toBe(422);
      expect(advice.body.error.code).toBe('RECORDING_NOT_ENABLED');
      expect(advice.body.error.message).toMatch(/admin must finish set-up in the Parley console/);
      // Nothing was started for it: no call row for the ticket.
      expect(await database.db.select().from(calls)).toHaveLength(0);

      expect((await escalate('support', 'support-before')).status).toBe(201);
    });

    it('neither asks the customer about recording nor records while recording is off', async () => {
      const res = await escalate('consultation', 'consultation-before');
      expect(res.status).toBe(201);
      consultationCall = res.body.call.id;
      // A Consultation is recorded only with consent, but this account records nothing yet: the notice says so and asks nothing.
      const view = await t.call('GET', `/api/consent/${tokenOf(res.body.links.customer)}`);
      expect(view.body.choices).toMatchObject({ askRecording: false, recordingRequiredByLaw: false });
      expect(view.body.notice.recordingPolicy).toBe('forbidden');
      expect(view.body.notice.summary).toContain('not recorded');
      const yes = await t.decide(res.body.links.customer, { join: true, recording: true });
      expect(yes.status).toBe(400);
      expect(yes.body.error.code).toBe('RECORDING_NOT_OFFERED');
      // Both call views say so: no recording control for the agent, "Not recorded" for the customer.
      expect(res.body.call.recording).toEqual({ active: false, accountRecordingOff: true, customerConsent: 'pending' });
      const joined = await t.call('POST', `/api/join/${await t.customerJoinToken(res.body.links.customer)}`);
      expect(joined.status, JSON.stringify(joined.body)).toBe(200);
      expect(joined.body.call).toMatchObject({ recordingPolicy: 'optional', accountRecordingOff: true });
      // Two publishers in the room need two browsers (the e2e suite); here the call is marked running as presence would.
      await database.db.update(calls).set({ state: 'active', startedAt: new Date() }).where(eq(calls.id, consultationCall));

      const on = await t.call('POST', `/api/calls/${consultationCall}/recording`, { token: dana.token, body: { on: true } });
      expect(on.status).toBe(422);
      expect(on.body.error.code).toBe('RECORDING_NOT_ENABLED');
      const call = await t.call('GET', `/api/calls/${consultationCall}`, { token: dana.token });
      expect(call.body.call.recording.active).toBe(false);
    });

    it('reports the settings steps done as the settings are filled, and review steps as they are marked', async () => {
      expect((await t.call('PUT', '/api/admin/settings', { token: ada.token, body: { controllerName: controllerSettings.controllerName } })).status).toBe(200);
      // A name without a way to reach the controller is not enough for the notice.
      expect(done(await onboarding())).toEqual([]);
      await t.call('PUT', '/api/admin/settings', { token: ada.token, body: { controllerContact: controllerSettings.controllerContact } });
      expect(done(await onboarding())).toEqual(['controller']);
      await t.call('PUT', '/api/admin/settings', { token: ada.token, body: { dpoContact: controllerSettings.dpoContact, privacyPolicyUrl: controllerSettings.privacyPolicyUrl } });
      expect(done(await onboarding())).toEqual(['controller', 'dpo', 'privacy_policy']);

      const reviewed = await t.call('PUT', '/api/admin/onboarding/steps/storage', { token: ada.token, body: { reviewed: true } });
      expect(reviewed.status).toBe(200);
      expect(done(reviewed.body.onboarding)).toEqual(['controller', 'dpo', 'privacy_policy', 'storage']);

      const filledBySettings = await t.call('PUT', '/api/admin/onboarding/steps/dpo', { token: ada.token, body: { reviewed: true } });
      expect(filledBySettings.status).toBe(400);
      expect(filledBySettings.body.error.code).toBe('STEP_NOT_REVIEWABLE');
      expect((await t.call('PUT', '/api/admin/onboarding/steps/payments', { token: ada.token, body: { reviewed: true } })).status).toBe(400);
    });

    it('refuses to finish while steps are missing, naming them', async () => {
      const res = await t.call('POST', '/api/admin/onboarding/complete', { token: ada.token, body: { enableRecording: true } });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('ONBOARDING_INCOMPLETE');
      expect(res.body.error.message).toContain('meeting_types, retention, roles');
      expect(res.body.error.message).not.toMatch(/storage|controller|dpo/);
      expect(await onboarding()).toMatchObject({ completedAt: null, recordingEnabledAt: null });
      // Switching recording on directly is no way round the wizard.
      const direct = await t.call('PUT', '/api/admin/onboarding/recording', { token: ada.token, body: { enabled: true } });
      expect(direct.status).toBe(409);
      expect((await escalate('advice', 'advice-still')).status).toBe(422);
    });

    it('lets only admins see or change set-up', async () => {
      const attempts = [
        t.call('GET', '/api/admin/onboarding', { token: dana.token }),
        t.call('PUT', '/api/admin/onboarding/steps/roles', { token: dana.token, body: { reviewed: true } }),
        t.call('POST', '/api/admin/onboarding/complete', { token: dana.token, body: { enableRecording: true } }),
        t.call('PUT', '/api/admin/onboarding/recording', { token: dana.token, body: { enabled: true } }),
      ];
      for (const res of await Promise.all(attempts)) expect(res.status).toBe(403);
      expect((await t.call('GET', '/api/admin/onboarding')).status).toBe(401);
      expect(done(await onboarding())).not.toContain('roles');
    });

    it('once finished with recording on, records what the meeting types say', async () => {
      for (const key of REVIEW_STEPS) await t.call('PUT', `/api/admin/onboarding/steps/${key}`, { token: ada.token, body: { reviewed: true } });
      const res = await t.call('POST', '/api/admin/onboarding/complete', { token: ada.token, body: { enableRecording: true } });
      expect(res.status).toBe(200);
      expect(res.body.onboarding.completedAt).toEqual(expect.any(String));
      expect(res.body.onboarding.recordingEnabledAt).toEqual(expect.any(String));
      expect(res.body.onboarding.steps.every((s: { done: boolean }) => s.done)).toBe(true);

      expect((await escalate('advice', 'advice-after')).status).toBe(201);
      // The customer of the earlier Consultation was told it is not recorded: it stays so.
      const earlier = await t.call('POST', `/api/calls/${consultationCall}/recording`, { token: dana.token, body: { on: true } });
      expect(earlier.status).toBe(422);
      // Its view tells the agent's page so, before anyone presses anything.
      expect((await t.call('GET', `/api/calls/${consultationCall}`, { token: dana.token })).body.call.recording).toEqual({
        active: false,
        accountRecordingOff: false,
        customerConsent: 'pending',
      });
      // A new one asks, and with the customer's yes it is recorded.
      const consultation = await escalate('consultation', 'consultation-after');
      expect(consultation.body.call.recording.accountRecordingOff).toBe(false);
      const view = await t.call('GET', `/api/consent/${tokenOf(consultation.body.links.customer)}`);
      expect(view.body.choices.askRecording).toBe(true);
      expect(view.body.notice.recordingPolicy).toBe('optional');
      noticeVersionWhileOn = view.body.noticeVersion;
      await t.customerJoinToken(consultation.body.links.customer, true);
      await database.db.update(calls).set({ state: 'active', startedAt: new Date() }).where(eq(calls.id, consultation.body.call.id));
      const on = await t.call('POST', `/api/calls/${consultation.body.call.id}/recording`, { token: dana.token, body: { on: true } });
      expect(on.status, JSON.stringify(on.body)).toBe(200);
      expect(on.body.call.recording).toEqual({ active: true, accountRecordingOff: false, customerConsent: 'granted' });

      // The wizard is done: a fresh sign-in no longer sends the admin there.
      expect((await sidebar.signIn(t.app, 'acme', ADA)).onboarding.required).toBe(false);
    });

    it('lets an admin switch recording off again, and every switch is audited', async () => {
      const off = await t.call('PUT', '/api/admin/onboarding/recording', { token: ada.token, body: { enabled: false } });
      expect(off.status).toBe(200);
      expect(off.body.onboarding.recordingEnabledAt).toBeNull();
      expect(off.body.onboarding.completedAt).toEqual(expect.any(String));
      expect((await escalate('advice', 'advice-off')).body.error.code).toBe('RECORDING_NOT_ENABLED');
      // Customers are told again that nothing is recorded: a new notice version, and no recording question.
      const consultation = await escalate('consultation', 'consultation-off');
      const view = await t.call('GET', `/api/consent/${tokenOf(consultation.body.links.customer)}`);
      expect(view.body.choices.askRecording).toBe(false);
      expect(view.body.notice.recordingPolicy).toBe('forbidden');
      expect(view.body.noticeVersion).toBe(noticeVersionWhileOn + 1);

      const events = await database.db.select({ action: auditEvents.action, actorId: auditEvents.actorId }).from(auditEvents).where(eq(auditEvents.subjectType, 'tenant'));
      expect(events.map((e) => e.action)).toEqual(
        expect.arrayContaining(['tenant.provisioned', 'tenant.onboarding_step_reviewed', 'tenant.onboarded', 'tenant.recording_enabled', 'tenant.recording_disabled']),
      );
      for (const action of ['tenant.onboarded', 'tenant.recording_enabled', 'tenant.recording_disabled']) {
        expect(events.find((e) => e.action === action)?.actorId).toBe(ada.agent.id);
      }
    });
  });
});
