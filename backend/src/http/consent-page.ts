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
button.equal{background:#fff;color:#1f4e8c}
:focus-visible{outline:3px solid #e8a317;outline-offset:2px}
.error{border-left:4px solid #b42318;background:#fef3f2;padding:.75rem;margin-top:1rem}
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

export function consentPage(view: ConsentView, token: string, error?: string): Html {
  const t = view.texts;
  const action = `/api/consent/${token}`;
  const sections = noticeSections(view.notice);
  return layout(
    view.language,
    t.title,
    html`<h1>${t.title}</h1>
<p>${t.intro}</p>
<p class="meta">${view.notice.summary}</p>
${error ? html`<div class="error" role="alert">${error}</div>` : ''}
<div class="card">${sections}</div>
<form class="card" method="post" action="${action}">
  <h2>${t.page.choices}</h2>
  <input type="hidden" name="noticeVersionId" value="${view.noticeVersionId}">
  <input type="hidden" name="lang" value="${view.language}">
  ${choices(view, t)}
  <p class="meta">${t.withdrawal}</p>
</form>
<nav aria-label="${t.page.otherLanguages}"><h2>${t.page.otherLanguages}</h2><ul>${view.otherLanguages.map(
      (l) => html`<li><a href="?lang=${l.code}" hreflang="${l.code}" lang="${l.code}">${l.name}</a></li>`,
    )}</ul></nav>
<p class="meta">Notice v${view.noticeVersion} · sha256 ${view.noticeHash.slice(0, 12)}</p>`,
  );
}

function choices(view: ConsentView, t: NoticeLocale): Html {
  if (view.choices.recordingRequiredByLaw) {
    return html`<p>${t.page.requiredRecordingExplanation}</p>
${view.alternativeContact ? html`<p><strong>${t.page.alternativeContact}:</strong> ${view.alternativeContact}</p>` : ''}
<div class="buttons">
  <button type="submit" name="join" value="true">${t.page.acceptRecordedCall}</button>
  <button type="submit" name="join" value="false" class="equal">${t.page.declineCall}</button>
</div>`;
  }
  if (view.choices.askRecording) {
    return html`${yesNo('join', t.page.joinQuestion, t, true)}${yesNo('recording', t.page.recordingQuestion, t, false)}
<div class="buttons"><button type="submit">${t.page.submit}</button></div>`;
  }
  return html`<p>${t.page.joinQuestion}</p>
<div class="buttons">
  <button type="submit" name="join" value="true">${t.page.joinNow}</button>
  <button type="submit" name="join" value="false" class="equal">${t.page.declineCall}</button>
</div>`;
}

/** Two equal radio options, neither pre-selected. */
function yesNo(name: string, question: string, t: NoticeLocale, required: boolean): Html {
  return html`<fieldset>
  <legend>${question}</legend>
  <div class="options">
    <label><input type="radio" name="${name}" value="true" ${required ? 'required' : ''}> ${t.page.yes}</label>
    <label><input type="radio" name="${name}" value="false"> ${t.page.no}</label>
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
  const message =
    code === 'CONSENT_EXPIRED' ? t.page.expired : code === 'CONSENT_ALREADY_DECIDED' || code === 'CALL_ENDED' ? t.page.decidedAlready : t.page.notFound;
  return layout(t.language, t.title, html`<h1>${t.title}</h1><div class="error" role="alert">${message}</div>`);
}
