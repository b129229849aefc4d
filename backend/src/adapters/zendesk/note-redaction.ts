import { TicketRedactionRefused, type TicketNoteRedaction, type TicketRedactionReport } from '../../ports/ticket-note-redaction.js';
import { VendorHttpError } from '../http/vendor-http.js';
import { ZendeskApi } from './api.js';
import { carriesReference, commentReference, parleyReference } from './ticket-comments.js';
import type { ZendeskComment, ZendeskDelivererConfig } from './types.js';

const REDACTED = /^[\s▇]*$/u;
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The comment's html_body with every piece of text wrapped in `<redact>` and every link or image
 * marked `redact`, except the reference line Parley put under its notes (it names no one and lets a
 * later run see the note is Parley's and already redacted). Null when nothing is left to redact.
 */
export function markForRedaction(comment: Pick<ZendeskComment, 'html_body' | 'body'>, keepLine: string): string | null {
  const html = comment.html_body ?? `<p>${escapeHtml(comment.body ?? '').replace(/\n/g, '<br>')}</p>`;
  let pending = false;
  const wrap = (text: string) => {
    if (text.trim() === '') return text;
    if (!REDACTED.test(text)) pending = true;
    return `<redact>${text}</redact>`;
  };
  const marked = html
    .split(/(<[^>]*>)/)
    .map((part) => {
      if (part.startsWith('<')) {
        if (/^<(a|img)\b/i.test(part) && !/\sredact(\s|=|\/?>)/i.test(part)) {
          pending = true;
          return part.replace(/^<(a|img)\b/i, (tag) => `${tag} redact`);
        }
        return part;
      }
      const at = part.indexOf(keepLine);
      if (at === -1) return wrap(part);
      return wrap(part.slice(0, at)) + keepLine + wrap(part.slice(at + keepLine.length));
    })
    .join('');
  return pending ? marked : null;
}

/** Statuses that asking again will not change: gone, forbidden, not enabled on the account. */
const isPermanent = (status: number) => status >= 300 && status < 500 && status !== 408 && status !== 409 && status !== 429;

/**
 * Redacts Parley's own notes and replies on a Zendesk ticket through Redact Ticket Comment In Agent
 * Workspace. A note is Parley's when it carries the reference line of one of the outbox keys given,
 * or, on a ticket that is the subject's alone, when it ends with Parley's reference line at all.
 */
export class ZendeskNoteRedaction implements TicketNoteRedaction {
  private readonly api: ZendeskApi;

  constructor(private readonly config: ZendeskDelivererConfig) {
    this.api = new ZendeskApi(config);
  }

  async redactNotes(tenantId: string, ticketId: string, noteKeys: readonly string[], options: { everyParleyNote?: boolean } = {}): Promise<TicketRedactionReport> {
    const report: TicketRedactionReport = { redacted: 0, alreadyRedacted: 0, notFound: 0, othersComments: 0 };
    const references = [...new Set(noteKeys.map(commentReference))];
    const found = new Set<string>();
    try {
      const baseUrl = await this.config.baseUrlFor(tenantId);
      const comments: ZendeskComment[] = [];
      for await (const page of this.api.commentPages(baseUrl, ticketId)) comments.push(...page);
      for (const comment of comments) {
        const reference = references.find((ref) => carriesReference(comment, ref)) ?? (options.everyParleyNote ? parleyReference(comment) : null);
        if (!reference) {
          report.othersComments += 1;
          continue;
        }
        found.add(reference);
        const marked = markForRedaction(comment, `Ref: ${reference}`);
        if (marked === null) {
          report.alreadyRedacted += 1;
          continue;
        }
        await this.api.redactComment(baseUrl, ticketId, comment.id, marked);
        report.redacted += 1;
      }
    } catch (error) {
      if (error instanceof VendorHttpError && isPermanent(error.status)) throw new TicketRedactionRefused(`Zendesk ${error.message}`);
      throw error;
    }
    report.notFound = references.length - found.size;
    return report;
  }
}
