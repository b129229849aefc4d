import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { NoticeContent } from '../services/notices/content.js';
import type { NoticeLocale } from '../services/notices/locales/index.js';
import type { ConsentView } from '../services/consent/view.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * The consent page works without any script: a plain form that posts to
 * /api/consent/:token. Mobile first, system fonts, AA contrast, visible focus,
 * and "no" always as large and as easy as "yes".
 */
const styles = raw(`
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f5f7fa}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.05rem;margin:1.25rem 0 .25rem}
section p{margin:.25rem 0}
.card{background:#fff;border:1px solid #cbd2d9;border-radius:8px;padding:1rem;margin-top:1rem}
fieldset{border:0;margin:0 0 1rem;padding:0}
legend{font-weight:600;margin-bottom:.5rem}
.options{display:flex;gap:.75rem;flex-wrap:wrap}
.options label{flex:1 1 8rem;display:flex;align-items:center;gap:.5rem;border:2px solid #52606d;border-radius:6px;padding:.75rem;cursor:pointer;min-height:3rem}
input[type=radio]{width:1.25rem;height:1.25rem;margin:0}
.buttons{display:flex;gap:.75rem;flex-wrap:wrap}
button,.button{flex:1 1 12rem;font:inherit;font-weight:600;padding:.85rem 1rem;border-radius:6px;border:2px solid #1f4e8c;background:#1f4e8c;color:#fff;cursor:pointer;text-align:center;text-decoration:none;min-height:3rem}
:focus-visible{outline:3px solid #1f2933;outline-offset:2px}
.error{border-left:4px solid #b42318;background:#fef3f2;padding:.75rem;margin-top:1rem}
.error ul{margin:.25rem 0 0;padding-left:1.25rem}
.field-error{color:#b42318;font-weight:600;margin:0 0 .5rem}
fieldset.invalid .options label{border-color:#b42318}
nav ul{list-style:none;padding:0;display:flex;gap:1rem;flex-wrap:wrap}
a{color:#1f4e8c}
.meta{color:#52606d;font-size:.875rem}
`);

function layout(lang: string, title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${styles}</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

/** The notice itself, section by section: the consent page and the console's preview render it alike. */
function noticeSections(notice: Pick<NoticeContent, 'sections'>): Html[] {
  return notice.sections.map(
    (s) => html`<section aria-labelledby="s-${s.key}"><h2 id="s-${s.key}">${s.heading}</h2>${s.paragraphs.map((p) => html`<p>${p}</p>`)}${
      s.link ? html`<p><a href="${s.link.href}" rel="noopener noreferrer">${s.link.text}</a></p>` : ''
    }</section>`,
  );
}

/** The consent page's notice with its heading and summary, without the choices: a preview for admins. */
export function noticePreviewPage(notice: NoticeContent): Html {
  return layout(
    notice.language,
    notice.title,
    html`<h1>${notice.title}</h1>
<p>${notice.intro}</p>
<p class="meta">${notice.summary}</p>
<div class="card">${noticeSections(notice)}</div>`,
  );
}

/** A form sent back incomplete: the answers given, and which questions still need one. */
export interface ConsentProblem {
  message: string;
  missing: readonly ConsentQuestion[];
  answers: Partial<Record<ConsentQuestion, boolean>>;
}
export type ConsentQuestion = 'join' | 'recording';

export function consentPage(view: ConsentView, token: string, problem?: ConsentProblem): Html {
  const t = view.texts;
  const action = `/api/consent/${token}`;
  const sections = noticeSections(view.notice);
  const questionText: Record<ConsentQuestion, string> = { join: t.page.joinQuestion, recording: t.page.recordingQuestion };
  return layout(
    view.language,
    t.title,
    html`<h1>${t.title}</h1>
<p>${t.intro}</p>
<p class="meta">${view.notice.summary}</p>
${
  problem
    ? // Focused on arrival, so a screen reader reads it first; each missing answer links to its question.
      html`<div class="error" role="alert" tabindex="-1" autofocus data-testid="consent-problem"><p>${problem.message}</p>${
        problem.missing.length > 0 ? html`<ul>${problem.missing.map((q) => html`<li><a href="#q-${q}">${questionText[q]}</a></li>`)}</ul>` : ''
      }</div>`
    : ''
}
<div class="card">${sections}</div>
${
  view.answerPath === 'teams_card'
    ? // Everyone in the chat can open this page: the choices are on the card, for the customer alone.
      html`<div class="card" data-testid="answer-on-teams-card"><p>${t.page.answerOnTeamsCard}</p><p class="meta">${t.withdrawal}</p></div>`
    : html`<form class="card" method="post" action="${action}">
  <h2>${t.page.choices}</h2>
  <input type="hidden" name="noticeVersionId" value="${view.noticeVersionId}">
  <input type="hidden" name="lang" value="${view.language}">
  ${choices(view, t, problem)}
  <p class="meta">${t.withdrawal}</p>
</form>`
}
<nav aria-label="${t.page.otherLanguages}"><h2>${t.page.otherLanguages}</h2><ul>${view.otherLanguages.map(
      // Absolute: after a form error this page is shown at the form's address, not at /c/:token.
      (l) => html`<li><a href="/c/${token}?lang=${l.code}" hreflang="${l.code}" lang="${l.code}">${l.name}</a></li>`,
    )}</ul></nav>
<p class="meta">${t.page.noticeVersion(view.noticeVersion, view.noticeHash.slice(0, 12))}</p>`,
  );
}

/** Accepting and declining look the same and weigh the same: only their words differ. */
function choices(view: ConsentView, t: NoticeLocale, problem: ConsentProblem | undefined): Html {
  if (view.choices.recordingRequiredByLaw) {
    return html`<p>${t.page.requiredRecordingExplanation}</p>
${view.alternativeContact ? html`<p><strong>${t.page.alternativeContact}:</strong> ${view.alternativeContact}</p>` : ''}
<div class="buttons">
  <button type="submit" name="join" value="true">${t.page.acceptRecordedCall}</button>
  <button type="submit" name="join" value="false">${t.page.declineCall}</button>
</div>`;
  }
  if (view.choices.askRecording) {
    return html`${yesNo('join', t.page.joinQuestion, t, problem, true)}${yesNo('recording', t.page.recordingQuestion, t, problem, false)}
<div class="buttons"><button type="submit">${t.page.submit}</button></div>`;
  }
  return html`<p>${t.page.joinQuestion}</p>
<div class="buttons">
  <button type="submit" name="join" value="true">${t.page.joinNow}</button>
  <button type="submit" name="join" value="false">${t.page.declineCall}</button>
</div>`;
}

/** Two equal radio options, neither pre-selected; after an incomplete submit, the answer given stays chosen. */
function yesNo(name: ConsentQuestion, question: string, t: NoticeLocale, problem: ConsentProblem | undefined, required: boolean): Html {
  const missing = problem?.missing.includes(name) ?? false;
  const answer = problem?.answers[name];
  const option = (value: boolean, label: string) =>
    html`<label><input type="radio" name="${name}" value="${String(value)}" ${value && required ? 'required' : ''} ${answer === value ? 'checked' : ''}> ${label}</label>`;
  return html`<fieldset id="q-${name}" ${missing ? html`class="invalid" aria-describedby="q-${name}-error"` : ''}>
  <legend>${question}</legend>
  ${missing ? html`<p class="field-error" id="q-${name}-error">${t.page.chooseAnswer}</p>` : ''}
  <div class="options">
    ${option(true, t.page.yes)}
    ${option(false, t.page.no)}
  </div>
</fieldset>`;
}

export function consentResultPage(t: NoticeLocale, outcome: { join: boolean; joinUrl: string | null }): Html {
  return layout(
    t.language,
    outcome.join ? t.page.joinedTitle : t.page.declinedTitle,
    outcome.join
      ? html`<h1>${t.page.joinedTitle}</h1><p>${t.page.joinedText}</p><p><a class="button" href="${outcome.joinUrl ?? '#'}">${t.page.joinNow}</a></p>`
      : html`<h1>${t.page.declinedTitle}</h1><p>${t.page.declinedText}</p>`,
  );
}

export function consentErrorPage(t: NoticeLocale, code: string): Html {
  const messages: Partial<Record<string, string>> = {
    CONSENT_EXPIRED: t.page.expired,
    CONSENT_ALREADY_DECIDED: t.page.decidedAlready,
    CALL_ENDED: t.page.callEnded,
    CONSENT_ANSWER_IN_TEAMS: t.page.answerOnTeamsCard,
  };
  const message = messages[code] ?? t.page.notFound;
  return layout(t.language, t.title, html`<h1>${t.title}</h1><div class="error" role="alert">${message}</div>`);
}

/**
 * The consent link of a customer who said yes and has not entered the call yet: one button into
 * it. A form post, not a link, because opening the call gives them a fresh join link.
 */
export function consentJoinAgainPage(t: NoticeLocale, action: string): Html {
  return layout(
    t.language,
    t.page.joinedTitle,
    html`<h1>${t.page.joinedTitle}</h1>
      <p>${t.page.joinedText}</p>
      <form method="post" action="${action}">
        <input type="hidden" name="rejoin" value="true" />
        <input type="hidden" name="lang" value="${t.language}" />
        <button type="submit" class="button">${t.page.joinNow}</button>
      </form>`,
  );
}
