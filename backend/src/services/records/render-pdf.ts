import { chromium, type Browser } from 'playwright-core';
import { ServiceUnavailableError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { escapeHtml } from './render-records-html.js';

export interface PdfSettings {
  /** Chromium binary (CHROMIUM_PATH). */
  chromiumPath: string;
}

/**
 * One Chromium per process at a time: a browser per request is ~100 MB and a second of CPU, and
 * these documents are printed rarely, so requests queue rather than pile up browsers.
 */
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

const footer = (label: string) =>
  `<div style="font: 8px sans-serif; width: 100%; padding: 0 16mm; display: flex; justify-content: space-between; color: #333;">` +
  `<span>${escapeHtml(label)}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;

/**
 * Prints a self-contained page to an A4 PDF with a fresh headless Chromium: JavaScript off and every
 * request refused, so the page can neither run nor fetch anything (the HTML carries values an admin
 * typed). The browser is closed whatever happens.
 */
export async function renderPdf(page: string, options: PdfSettings & { footerLabel: string; logger: Logger }): Promise<Buffer> {
  return oneAtATime(async () => {
    let browser: Browser;
    try {
      browser = await chromium.launch({ executablePath: options.chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'], timeout: 20_000 });
    } catch (error) {
      // The reason (a missing binary, a sandbox refusal) is for the operator; the caller gets a 503.
      options.logger.error({ err: error, chromiumPath: options.chromiumPath }, 'chromium could not start for PDF printing');
      throw new ServiceUnavailableError('PDF_RENDERER_UNAVAILABLE', 'PDF printing is not available on this server (Chromium could not start). Ask for format=html and print that.');
    }
    // A wedged print must not hold the queue: closing the browser makes the pending call fail.
    const deadline = setTimeout(() => void browser.close().catch(() => undefined), 60_000);
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
      await context.route('**/*', (route) => route.abort('blockedbyclient'));
      const tab = await context.newPage();
      await tab.setContent(page, { waitUntil: 'load', timeout: 20_000 });
      return await tab.pdf({
        format: 'A4',
        printBackground: true,
        tagged: true,
        outline: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: footer(options.footerLabel),
        margin: { top: '18mm', bottom: '20mm', left: '16mm', right: '16mm' },
      });
    } finally {
      clearTimeout(deadline);
      await browser.close().catch(() => undefined);
    }
  });
}
