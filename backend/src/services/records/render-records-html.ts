import { shortVersion } from './configuration-version.js';
import type { Block, ComposedDocument, DocumentStamp } from './document.js';

/** Markup that is already safe; everything else interpolated into `html` is escaped. */
class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => entities[ch]!);
}

type Part = SafeHtml | string | number | readonly SafeHtml[];

/** Escapes by default: admin-entered names, contacts and URLs can only ever become text. */
function html(strings: TemplateStringsArray, ...parts: Part[]): SafeHtml {
  let out = strings[0]!;
  parts.forEach((part, i) => {
    if (part instanceof SafeHtml) out += part.value;
    else if (Array.isArray(part)) out += (part as readonly SafeHtml[]).map((p) => p.value).join('');
    else out += escapeHtml(String(part));
    out += strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** UTC, to the minute: the document names the instant, not the reader's time zone. */
export function stampDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The document's title as tab, file and PDF metadata show it; it names the version so a print does too. */
export function documentTitle(doc: ComposedDocument, stamp: DocumentStamp): string {
  return `${doc.title}: ${doc.subject} (configuration ${shortVersion(stamp.configurationVersion)})`;
}

function renderBlock(block: Block): SafeHtml {
  switch (block.kind) {
    case 'paragraph':
      return html`<p>${block.text}</p>`;
    case 'warning':
      return html`<p class="warning"><strong>Attention:</strong> ${block.text}</p>`;
    case 'list':
      return html`<ul>${block.items.map((item) => html`<li>${item}</li>`)}</ul>`;
    case 'table':
      return html`<table>
<caption>${block.caption}</caption>
<thead><tr>${block.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
<tbody>${block.rows.map(
        ([head, ...cells]) => html`<tr><th scope="row">${head ?? ''}</th>${cells.map((cell) => html`<td>${cell}</td>`)}</tr>
`,
      )}</tbody>
</table>`;
    default: {
      const unknown: never = block;
      throw new Error(`unknown block ${JSON.stringify(unknown)}`);
    }
  }
}

const styles = `
@page { size: A4; margin: 18mm 16mm 20mm; }
:root { color-scheme: light; }
body { font: 10.5pt/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
@media print { body { margin: 0; padding: 0; max-width: none; } nav { display: none; } }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid #888; padding-bottom: .15rem; break-after: avoid; }
.stamp { margin: .25rem 0 1rem; padding: .5rem .75rem; border: 1px solid #555; background: #f3f3f3; }
.stamp code { font-size: .95em; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92em; }
caption { text-align: left; font-weight: bold; padding: .25rem 0; }
th, td { border: 1px solid #777; padding: .3rem .45rem; text-align: left; vertical-align: top; }
thead th { background: #e4e4e4; }
tbody th { font-weight: 600; width: 22%; }
tr { break-inside: avoid; }
.warning { border-left: 4px solid #a40000; padding: .35rem .6rem; background: #fff2f2; }
footer { margin-top: 2rem; font-size: .85em; color: #333; }
a { color: #0b4f9c; }
ul.contents { list-style: none; padding-left: 0; }
`;

/**
 * A self-contained, printable page: no script, no external resource (fonts, images, styles are
 * inline or the system's), so it prints the same in Chromium's PDF and in any browser.
 */
export function renderRecordsHtml(doc: ComposedDocument, stamp: DocumentStamp): string {
  const version = stamp.configurationVersion;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="Parley">
<meta name="parley-configuration-version" content="${version}">
<title>${documentTitle(doc, stamp)}</title>
<style>${new SafeHtml(styles)}</style>
</head>
<body>
<header>
<h1>${doc.title}</h1>
<p>${doc.subject} · ${doc.provision}</p>
<p class="stamp">Generated from configuration version <code>${shortVersion(version)}…</code> on <time datetime="${stamp.generatedAt.toISOString()}">${stampDate(stamp.generatedAt)}</time>.<br>
Full configuration version (SHA-256): <code data-configuration-version>${version}</code></p>
</header>
<nav aria-labelledby="contents"><h2 id="contents">Contents</h2><ul class="contents">${doc.sections.map((s) => html`<li><a href="#${s.id}">${s.heading}</a></li>`)}</ul></nav>
<main>
${doc.sections.map(
  (section) => html`<section aria-labelledby="${section.id}">
<h2 id="${section.id}">${section.heading}</h2>
${section.blocks.map(renderBlock)}
</section>
`,
)}</main>
<footer><p>Two documents with the same configuration version describe the same configuration. Generate this document again after any change to the settings, meeting types, roles, notices or the server's deployment.</p></footer>
</body>
</html>
`;
  return page.value;
}
