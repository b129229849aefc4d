import type { AccessLogEntry } from './access-log.js';
import type { SubjectData } from './collect.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (value: unknown): string => (value === null || value === undefined ? '—' : String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!));

const table = (headings: string[], rows: unknown[][]): string =>
  rows.length === 0
    ? '<p>None.</p>'
    : `<table><thead><tr>${headings.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
        .map((row) => `<tr>${row.map((cell) => `<td>${esc(cell)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;

interface NoticeSection {
  heading?: string;
  paragraphs?: string[];
  link?: { text: string; href: string };
}

/** The notice exactly as it was shown, from its stored content. */
function noticeHtml(content: unknown): string {
  const notice = (content ?? {}) as { title?: string; intro?: string; sections?: NoticeSection[] };
  const sections = (notice.sections ?? [])
    .map(
      (s) =>
        `<h4>${esc(s.heading)}</h4>${(s.paragraphs ?? []).map((p) => `<p>${esc(p)}</p>`).join('')}${s.link ? `<p>${esc(s.link.text)}: ${esc(s.link.href)}</p>` : ''}`,
    )
    .join('');
  return `<h3>${esc(notice.title)}</h3><p>${esc(notice.intro)}</p>${sections}`;
}

const actorText = (actor: AccessLogEntry['actor']) =>
  actor.type === 'staff' ? `staff (${actor.roles?.length ? actor.roles.join(', ') : 'no role'})` : actor.type === 'system' ? 'Parley (automatic)' : actor.type;

/**
 * The human-readable part of the bundle (Art. 15(1), 12(1): concise, intelligible, plain
 * language). Every value is escaped: names and notice texts come from outside.
 */
export function renderSummary(data: SubjectData, accessLog: AccessLogEntry[], generatedAt: Date): string {
  const c = data.controller;
  const typeByKey = new Map(data.meetingTypes.map((t) => [t.key, t]));
  const callSections = data.cases
    .map((kase) => {
      const calls = data.calls.filter((call) => call.caseId === kase.id);
      return `<section><h3>Case ${esc(kase.host)} ${esc(kase.externalId)} (${esc(kase.channel)}, opened ${esc(kase.createdAt)})</h3>${table(
        ['Call', 'Meeting type', 'Legal basis', 'State', 'Started', 'Ended', 'Participants'],
        calls.map((call) => [
          call.id,
          typeByKey.get(call.meetingType)?.name ?? call.meetingType,
          typeByKey.get(call.meetingType)?.legalBasis,
          call.state,
          call.startedAt,
          call.endedAt,
          call.participants.map((p) => `${p.role}: ${p.joinedAt ?? 'did not join'}–${p.leftAt ?? ''}`).join('; '),
        ]),
      )}</section>`;
    })
    .join('');
  const consents = table(
    ['When', 'Call', 'Purpose', 'Decision', 'Event', 'Notice', 'Language', 'Channel'],
    data.consentRecords.map((r) => [r.at, r.callId, r.purpose, r.granted ? 'yes' : 'no', r.event, `version ${r.noticeVersion} (${r.noticeHash})`, r.language, r.channel]),
  );
  const notices = data.notices
    .map((n) => `<details><summary>Notice ${esc(n.meetingType)} v${esc(n.version)} (${esc(n.language)})</summary>${noticeHtml(n.content)}</details>`)
    .join('');
  const recordings = table(
    ['Recording', 'Call', 'Status', 'Duration (s)', 'Stored', 'In this bundle'],
    data.recordings.map((r) => [r.id, r.callId, r.status, r.durationSeconds === null ? null : Math.round(r.durationSeconds), r.storedAt, r.file ?? 'no']),
  );
  const retention = table(
    ['Meeting type', 'Legal basis', 'Recordings kept (days)', 'Call details kept (days)', 'Consent proof kept (days)'],
    data.meetingTypes.map((t) => [t.name, t.legalBasis, t.recordingPolicy === 'forbidden' ? 'not recorded' : t.recordingRetentionDays, t.metadataRetentionDays, t.consentRetentionDays]),
  );
  const log = table(
    ['When', 'What', 'Who', 'About'],
    accessLog.map((e) => [e.at, e.action, actorText(e.actor), `${e.subject.type} ${e.subject.id}`]),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your data held by ${esc(c.name)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}</style>
</head><body>
<h1>Your data held by ${esc(c.name)}</h1>
<p>This is a copy of the personal data held about you in the video-call service Parley, given to you under Article 15 of the GDPR. The same data is in <code>data.json</code> in a machine-readable form (Article 20), and the recordings are in the <code>recordings</code> folder. Generated ${esc(generatedAt.toISOString())}.</p>
<h2>Who holds it</h2>
<p>Controller: ${esc(c.name)}<br>Contact: ${esc(c.contact)}<br>Data protection officer: ${esc(c.dataProtectionOfficer)}<br>Privacy policy: ${esc(c.privacyPolicyUrl)}<br>Where it is stored: ${esc(c.storageLocation)}</p>
<h2>About you</h2>
<p>Name: ${esc(data.customer.displayName)}<br>Email: ${esc(data.customer.email)}<br>Language: ${esc(data.customer.locale)}<br>First seen: ${esc(data.customer.createdAt)}${data.customer.erasedAt ? `<br>Erased: ${esc(data.customer.erasedAt)}` : ''}</p>
${table(['Where you are known', 'Your id there'], data.customer.references.map((r) => [r.host, r.externalId]))}
<h2>Your cases and calls</h2>
${callSections || '<p>None.</p>'}
<h2>Your consent decisions</h2>
${consents}
<h2>The notices you were shown</h2>
${notices || '<p>None.</p>'}
<h2>Recordings</h2>
<p>Recordings show the staff member you spoke with as well as you.</p>
${recordings}
<h2>Purposes, legal bases and how long data is kept</h2>
${retention}
<h2>Who accessed your data</h2>
<p>Every time your data or recordings were listed, played, exported or deleted. Staff are named by their role.</p>
${log}
<h2>Your rights</h2>
<p>You may ask for your data to be corrected or erased, for its processing to be restricted, or object to it, and you may complain to a data protection supervisory authority. Contact the controller above.</p>
</body></html>
`;
}
