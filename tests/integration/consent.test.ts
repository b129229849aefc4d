import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { calls, consentRecords, joinTokens, noticeVersions, outboxMessages, tenants } from '../../backend/src/db/schema/index.js';
import { hashNotice, type NoticeContent } from '../../backend/src/services/notices/content.js';
import { de } from '../../backend/src/services/notices/locales/de.js';
import { fr } from '../../backend/src/services/notices/locales/fr.js';
import { publishNotices } from '../../backend/src/services/notices/publish.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { buildTestApp, escalation, startTestJanus, ticketNumber, tokenOf } from '../support/test-app.js';

describe.each(databaseKinds)('consent and notices on %s', (kind) => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let agent: string;
  const types: Record<string, string> = {};

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-consent-'));
    [database, janus] = await Promise.all([freshDatabase(kind), startTestJanus(baseDir)]);
    t = await buildTestApp(database, janus);
    agent = await t.signIn();
    for (const key of ['support', 'advice', 'consultation'] as const) types[key] = await t.meetingType(agent, key);
  });
  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  const escalate = async (type: string, ticket: string, customer: Partial<{ locale: string }> = {}, channel?: object) => {
    const body = escalation(types[type]!, ticket, `cust-${ticket}`);
    const res = await t.call('POST', '/api/calls', {
      token: agent,
      body: { ...body, case: { ...body.case, ...channel }, customer: { ...body.customer, ...customer } },
    });
    expect(res.status).toBe(201);
    return res.body as { call: { id: string }; links: { customer: string; agent: string } };
  };
  const recordsOf = (callId: string) =>
    database.db.select().from(consentRecords).where(eq(consentRecords.callId, callId)).orderBy(consentRecords.purpose);
  /** Everything queued for one ticket (tickets are unique per test). */
  const outboxOf = async (ticket: string) =>
    (await database.db.select().from(outboxMessages)).filter((m) => (m.payload as { ticketId?: string }).ticketId === ticketNumber(ticket));

  it('ships a notice for every meeting type in five languages, hashed over what is shown', async () => {
    const rows = await database.db.select().from(noticeVersions).where(eq(noticeVersions.meetingTypeId, types.advice!));
    expect(rows.map((r) => r.language).sort()).toEqual(['de', 'en', 'es', 'fr', 'nl']);
    for (const row of rows) expect(row.contentHash).toBe(hashNotice(row.content as NoticeContent));
    const german = rows.find((r) => r.language === 'de')!.content as NoticeContent;
    expect(german.sections.map((s) => s.heading)).toContain('Rechtsgrundlage');
    expect(JSON.stringify(german)).toContain('MiFID II');
  });

  it('makes a new version when the words change, and never changes an old one', async () => {
    const [row] = await database.db.select().from(noticeVersions).where(eq(noticeVersions.meetingTypeId, types.support!)).limit(1);
    expect(await publishNotices(database.db, row!.tenantId, t.recordings.stores)).toBe(0);
    await expect(database.db.update(noticeVersions).set({ contentHash: 'forged' }).where(eq(noticeVersions.id, row!.id))).rejects.toThrow();

    await database.db.update(tenants).set({ dpoContact: 'dpo@acme.example' }).where(eq(tenants.id, row!.tenantId));
    expect(await publishNotices(database.db, row!.tenantId, t.recordings.stores)).toBe(15);
    const versions = await database.db
      .select({ version: noticeVersions.version })
      .from(noticeVersions)
      .where(and(eq(noticeVersions.meetingTypeId, types.support!), eq(noticeVersions.language, 'en')));
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2]);
  });

  it('offers the notice in the customer’s language and queues the invitation and the ticket note', async () => {
    const { links } = await escalate('support', 'lang-de', { locale: 'de-AT' });
    const view = await t.call('GET', `/api/consent/${tokenOf(links.customer)}`);
    expect(view.body.language).toBe('de');
    expect(view.body.notice.title).toBe('Vor Ihrem Videoanruf');
    const french = await t.call('GET', `/api/consent/${tokenOf(links.customer)}?lang=fr`);
    expect(french.body.notice.title).toBe('Avant votre appel vidéo');

    const queued = await outboxOf('lang-de');
    expect(queued.map((m) => [m.kind, (m.payload as { public: boolean }).public]).sort()).toEqual([
      ['zendesk.ticket_comment', false],
      ['zendesk.ticket_comment', true],
    ]);
    const invitation = queued.find((m) => (m.payload as { public: boolean }).public)!.payload as { body: string; ticketId: string };
    expect(invitation.ticketId).toBe(ticketNumber('lang-de'));
    expect(invitation.body).toContain(links.customer);
    const note = queued.find((m) => !(m.payload as { public: boolean }).public)!.payload as { body: string };
    expect(note.body).toMatch(/video call offered \(meeting type "Support call"\)\. Privacy notice v\d+ \(de, sha256 [0-9a-f]{12}\)/);
    expect(note.body).not.toContain(links.customer);
  });

  it('falls back to the tenant’s default language when the customer’s is not shipped', async () => {
    const [support] = await database.db.select({ tenantId: noticeVersions.tenantId }).from(noticeVersions).limit(1);
    await database.db.update(tenants).set({ defaultLanguage: 'nl' }).where(eq(tenants.id, support!.tenantId));
    try {
      const { links } = await escalate('support', 'lang-pt', { locale: 'pt-BR' });
      const view = await t.call('GET', `/api/consent/${tokenOf(links.customer)}`);
      expect(view.body.language).toBe('nl');
      const note = (await outboxOf('lang-pt')).find((m) => !(m.payload as { public: boolean }).public)!.payload as { body: string };
      expect(note.body).toMatch(/Privacy notice v\d+ \(nl, sha256/);
    } finally {
      await database.db.update(tenants).set({ defaultLanguage: 'en' }).where(eq(tenants.id, support!.tenantId));
    }
  });

  it('sends the invitation as a messaging message for a messaging conversation', async () => {
    await escalate('support', 'msg-1', {}, { channel: 'zendesk_messaging', conversationId: 'conv-42' });
    const sunco = (await database.db.select().from(outboxMessages)).find((m) => (m.payload as { conversationId?: string }).conversationId === 'conv-42');
    expect(sunco?.payload).toMatchObject({ conversationId: 'conv-42', actions: [{ type: 'link', uri: expect.stringMatching(/\/c\//) }] });
  });

  it('accepting creates the customer’s join link and one record per purpose', async () => {
    const { call, links } = await escalate('consultation', 'accept-1');
    const res = await t.decide(links.customer, { join: true, recording: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ join: true, recording: 'declined', joinUrl: expect.stringMatching(/\/j\/[\w-]{43}\?lang=en$/) });
    const records = await recordsOf(call.id);
    expect(records.map((r) => [r.purpose, r.event, r.granted])).toEqual([
      ['join', 'decision', true],
      ['recording', 'decision', false],
    ]);
    expect(records[0]!.noticeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(records)).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
    const notes = (await outboxOf('accept-1')).map((m) => (m.payload as { body: string }).body);
    expect(notes).toContainEqual(expect.stringMatching(/accepted the video call; declined recording/));
  });

  it('declining records the "no" and gives no way into the call', async () => {
    const { call, links } = await escalate('support', 'decline-1');
    const res = await t.decide(links.customer, { join: false });
    expect(res.body).toMatchObject({ join: false, joinUrl: null });
    expect((await recordsOf(call.id)).map((r) => r.granted)).toEqual([false]);
    const customerLinks = await database.db.select({ n: count() }).from(joinTokens).where(eq(joinTokens.callId, call.id));
    expect(customerLinks[0]!.n).toBe(1); // the agent's only
    // A "no" is final: the call ends at once with the reason, and its room is gone.
    const [row] = await database.db.select().from(calls).where(eq(calls.id, call.id));
    expect(row).toMatchObject({ state: 'ended', endReason: 'customer_declined' });
    expect(row!.mediaReleasedAt).toBeInstanceOf(Date);
    await expect(t.gateway.listParticipants({ nodeId: row!.mediaNodeId, roomId: row!.mediaRoomId, secret: row!.mediaRoomSecret })).rejects.toThrow(/426|no such room/i);
    expect((await t.call('GET', `/api/calls/${call.id}`, { token: agent })).body.call).toMatchObject({ state: 'ended', endReason: 'customer_declined' });
  });

  it('asks no separate recording question where the law requires the recording', async () => {
    const { call, links } = await escalate('advice', 'advice-1');
    const view = await t.call('GET', `/api/consent/${tokenOf(links.customer)}`);
    expect(view.body.choices).toEqual({ askRecording: false, recordingRequiredByLaw: true });
    const res = await t.decide(links.customer, { join: true });
    expect(res.body.recording).toBe('required');
    expect((await recordsOf(call.id)).map((r) => r.purpose)).toEqual(['join']);
  });

  it('requires an explicit recording choice where consent is the basis', async () => {
    const { call, links } = await escalate('consultation', 'choice-1');
    const res = await t.decide(links.customer, { join: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('RECORDING_CHOICE_REQUIRED');
    expect(await recordsOf(call.id)).toEqual([]);
  });

  it('shows the agent the customer’s recording answer, so the page offers only what the server allows', async () => {
    const recordingOf = async (callId: string) => (await t.call('GET', `/api/calls/${callId}`, { token: agent })).body.call.recording;
    const declined = await escalate('consultation', 'answer-1');
    expect((await recordingOf(declined.call.id)).customerConsent).toBe('pending');
    await t.decide(declined.links.customer, { join: true, recording: false });
    expect(await recordingOf(declined.call.id)).toMatchObject({ active: false, customerConsent: 'declined' });
    const granted = await escalate('consultation', 'answer-2');
    await t.decide(granted.links.customer, { join: true, recording: true });
    expect((await recordingOf(granted.call.id)).customerConsent).toBe('granted');
    // Where the law, not consent, is the basis, no answer is needed.
    const advice = await escalate('advice', 'answer-3');
    expect((await recordingOf(advice.call.id)).customerConsent).toBe('not_needed');
  });

  it('records a double submit exactly once', async () => {
    const { call, links } = await escalate('support', 'double-1');
    const view = await t.call('GET', `/api/consent/${tokenOf(links.customer)}`);
    const submit = () => t.call('POST', `/api/consent/${tokenOf(links.customer)}`, { body: { noticeVersionId: view.body.noticeVersionId, join: true } });
    const results = await Promise.all([submit(), submit()]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('CONSENT_ALREADY_DECIDED');
    expect(await recordsOf(call.id)).toHaveLength(1);
  });

  it('refuses a decision naming a notice the customer was not shown', async () => {
    const { call, links } = await escalate('support', 'mismatch-1');
    const [otherType] = await database.db.select().from(noticeVersions).where(eq(noticeVersions.meetingTypeId, types.advice!)).limit(1);
    const res = await t.call('POST', `/api/consent/${tokenOf(links.customer)}`, { body: { noticeVersionId: otherType!.id, join: true } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NOTICE_VERSION_MISMATCH');

    const other = await t.signIn('other-tenant', '9');
    const theirType = await t.meetingType(other, 'support');
    const [foreign] = await database.db.select().from(noticeVersions).where(eq(noticeVersions.meetingTypeId, theirType)).limit(1);
    const foreignRes = await t.call('POST', `/api/consent/${tokenOf(links.customer)}`, { body: { noticeVersionId: foreign!.id, join: true } });
    expect(foreignRes.body.error.code).toBe('NOTICE_VERSION_MISMATCH');
    expect(await recordsOf(call.id)).toEqual([]);
  });

  it('refuses expired and unknown consent links', async () => {
    const { links } = await escalate('support', 'expired-1');
    const { consentRequests } = await import('../../backend/src/db/schema/index.js');
    await database.db.update(consentRequests).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(consentRequests.tokenHash, (await import('../../backend/src/services/calls/join-token.js')).hashJoinToken(tokenOf(links.customer))));
    const expired = await t.call('GET', `/api/consent/${tokenOf(links.customer)}`);
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('CONSENT_EXPIRED');
    const unknown = await t.call('GET', `/api/consent/${'B'.repeat(43)}`);
    expect(unknown.body.error.code).toBe('CONSENT_NOT_FOUND');
  });

  it('tells a customer whose call has ended so, in their language, instead of claiming they already chose', async () => {
    const { call, links } = await escalate('support', 'ended-1', { locale: 'fr' });
    expect((await t.call('POST', `/api/calls/${call.id}/end`, { token: agent })).status).toBe(200);
    const res = await t.app.request(`/c/${tokenOf(links.customer)}`);
    const page = await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(page).toContain(fr.page.callEnded);
    expect(page).not.toContain(fr.page.decidedAlready);
  });

  it('keeps consent records append-only', async () => {
    const { call, links } = await escalate('support', 'append-1');
    await t.decide(links.customer, { join: true });
    await expect(database.db.update(consentRecords).set({ granted: false }).where(eq(consentRecords.callId, call.id))).rejects.toThrow();
    await expect(database.db.delete(consentRecords).where(eq(consentRecords.callId, call.id))).rejects.toThrow();
    expect((await recordsOf(call.id)).map((r) => r.granted)).toEqual([true]);
  });

  it('serves a consent page that works without script: nothing pre-selected, no as easy as yes', async () => {
    const { links } = await escalate('consultation', 'page-1', { locale: 'nl' });
    const res = await t.app.request(`/c/${tokenOf(links.customer)}`);
    const page = await res.text();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(page).toContain('<html lang="nl">');
    expect(page).toContain(`action="/api/consent/${tokenOf(links.customer)}"`);
    expect(page).not.toMatch(/\bchecked\b/);
    expect(page.match(/type="radio"/g)).toHaveLength(4);
    expect(page).toContain('Mogen wij het gesprek opnemen?');
    expect(page).toMatch(/Versie van de informatie \d+ · vingerafdruk [0-9a-f]{12}/);
    expect(page).not.toContain('Notice v');
    // Other languages link to this page, wherever it is shown.
    expect(page).toContain(`href="/c/${tokenOf(links.customer)}?lang=de"`);
  });

  it('gives accepting and declining the same button: only the words differ', async () => {
    const { links } = await escalate('support', 'page-2');
    const page = await (await t.app.request(`/c/${tokenOf(links.customer)}`)).text();
    const buttons = page.match(/<button[^>]*>/g) ?? [];
    expect(buttons).toEqual(['<button type="submit" name="join" value="true">', '<button type="submit" name="join" value="false">']);
  });

  it('tells a customer whose link expired in their own language, not the browser’s', async () => {
    const { links } = await escalate('support', 'expired-2', { locale: 'de' });
    const token = tokenOf(links.customer);
    const { consentRequests } = await import('../../backend/src/db/schema/index.js');
    const { hashJoinToken } = await import('../../backend/src/services/calls/join-token.js');
    await database.db.update(consentRequests).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(consentRequests.tokenHash, hashJoinToken(token)));
    const res = await t.app.request(`/c/${token}`, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(res.status).toBe(410);
    const page = await res.text();
    expect(page).toContain('<html lang="de">');
    expect(page).toContain(de.page.expired);
    const unknown = await t.app.request(`/c/${'B'.repeat(43)}`, { headers: { 'accept-language': 'fr' } });
    expect(await unknown.text()).toContain(fr.page.notFound);
  });

  it('answers a malformed consent link with the not-found page, and ignores a language choice that is no language', async () => {
    for (const path of ['/c/short', `/c/${'x'.repeat(101)}`, '/c/%3Cscript%3E']) {
      const res = await t.app.request(path, { headers: { 'accept-language': 'fr' } });
      expect(res.status, path).toBe(404);
      const page = await res.text();
      expect(page).toContain(fr.page.notFound);
      expect(page).not.toContain('<script>');
    }
    const { links } = await escalate('support', 'odd-lang', { locale: 'de' });
    const res = await t.app.request(`/c/${tokenOf(links.customer)}?lang=${'q'.repeat(500)}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<html lang="de">');
  });

  /** The consent page's plain form post (no script), as a browser sends it. */
  const postForm = (token: string, fields: Record<string, string>) =>
    t.app.request(`/api/consent/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  it('takes the plain form post: a missing answer re-renders the page, a "yes" redirects to the join page', async () => {
    const { links } = await escalate('consultation', 'form-1');
    const token = tokenOf(links.customer);
    const view = await t.call('GET', `/api/consent/${token}`);
    const post = (fields: Record<string, string>) => postForm(token, { noticeVersionId: view.body.noticeVersionId, lang: 'en', ...fields });
    const incomplete = await post({ join: 'true' });
    expect(incomplete.status).toBe(400);
    const page = await incomplete.text();
    expect(page).toContain('Please answer each question.');
    // The summary links to the one question left open, which says so; the answer given stays chosen.
    expect(page).toContain('<li><a href="#q-recording">May we record the call?</a></li>');
    expect(page).not.toContain('href="#q-join"');
    expect(page).toMatch(/<fieldset id="q-recording" class="invalid" aria-describedby="q-recording-error">/);
    expect(page).toContain('<p class="field-error" id="q-recording-error">Choose yes or no.</p>');
    expect(page.match(/\bchecked\b/g)).toHaveLength(1);
    expect(page).toMatch(/name="join" value="true" required checked>/);
    // Shown at the form's address: the language links still lead to the consent page.
    expect(page).toContain(`href="/c/${token}?lang=fr"`);
    const nothingAnswered = await post({});
    expect(await nothingAnswered.text()).toContain('<li><a href="#q-join">');
    const done = await post({ join: 'true', recording: 'true' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toMatch(/\/j\/[\w-]{43}\?lang=en$/);
  });

  it('answers a form post it cannot read as an incomplete answer, never as a server error, and refuses a huge body', async () => {
    const { links } = await escalate('support', 'form-3');
    const token = tokenOf(links.customer);
    // Claims to be a form inside a multipart header, and is neither.
    const crafted = await t.app.request(`/api/consent/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x; a=application/x-www-form-urlencoded' },
      body: 'not multipart at all',
    });
    expect(crafted.status).toBeLessThan(500);
    const garbled = await t.app.request(`/api/consent/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: '%%%&&&===',
    });
    expect(garbled.status).toBe(400);
    expect(await garbled.text()).toContain('<form');
    const huge = await t.app.request(`/api/consent/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ noticeVersionId: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
    // Nothing was decided: the link still works.
    expect((await t.call('GET', `/api/consent/${token}`)).status).toBe(200);
  });

  it('lets a customer who said yes but is not in the call yet back in with a fresh link, once, and never after a "no"', async () => {
    const { call, links } = await escalate('support', 'again-1', { locale: 'de' });
    const token = tokenOf(links.customer);
    const view = await t.call('GET', `/api/consent/${token}`);
    const form = (fields: Record<string, string>) => postForm(token, fields);
    const joinUrlOf = (res: Response) => {
      expect(res.status).toBe(303);
      return res.headers.get('location')!;
    };
    const first = joinUrlOf(await form({ noticeVersionId: view.body.noticeVersionId, lang: 'de', join: 'true' }));
    // A second tap on Join: the yes stands, a fresh link replaces the unused one.
    const second = joinUrlOf(await form({ noticeVersionId: view.body.noticeVersionId, lang: 'de', join: 'true' }));
    expect(second).toMatch(/\/j\/[\w-]{43}\?lang=de$/);
    expect(second).not.toBe(first);
    expect((await t.call('POST', `/api/join/${tokenOf(first)}`)).status).toBeGreaterThanOrEqual(400);
    // Still one decision on record.
    expect((await recordsOf(call.id)).map((r) => [r.purpose, r.granted])).toEqual([['join', true]]);

    // Back on the consent link: one button into the call, by form post (a link preview takes nothing).
    const page = await t.app.request(`/c/${token}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(de.page.joinedText);
    expect(html).toContain('name="rejoin" value="true"');
    const third = joinUrlOf(await form({ rejoin: 'true', lang: 'de' }));
    expect((await t.call('POST', `/api/join/${tokenOf(third)}`)).status).toBe(200);
    expect((await t.call('POST', `/api/join/${tokenOf(second)}`)).status).toBeGreaterThanOrEqual(400);

    // In the call once: the consent link gives no other way in.
    const after = await t.app.request(`/c/${token}`);
    expect(after.status).toBe(409);
    expect(await after.text()).toContain(de.page.decidedAlready);
    const refused = await form({ rejoin: 'true', lang: 'de' });
    expect(refused.status).toBe(409);

    // A "no" gives none at all.
    const declined = await escalate('support', 'again-2');
    const declinedToken = tokenOf(declined.links.customer);
    await t.decide(declined.links.customer, { join: false });
    expect((await t.app.request(`/c/${declinedToken}`)).status).toBe(409);
    const retried = await postForm(declinedToken, { rejoin: 'true' });
    expect(retried.status).toBe(409);
  });

  it('sends the customer on to the call page in the language they decided in', async () => {
    const { links } = await escalate('support', 'form-2', { locale: 'es' });
    const token = tokenOf(links.customer);
    const view = await t.call('GET', `/api/consent/${token}?lang=es`);
    const done = await postForm(token, { noticeVersionId: view.body.noticeVersionId, lang: 'es', join: 'true' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toMatch(/\/j\/[\w-]{43}\?lang=es$/);
  });
});
