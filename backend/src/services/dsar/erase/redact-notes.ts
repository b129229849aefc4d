import { eq, sql } from 'drizzle-orm';
import { dsarRequests } from '../../../db/schema/index.js';
import { messagesOfCases } from './case-messages.js';
import { TicketRedactionRefused, type TicketRedactionReport } from '../../../ports/ticket-note-redaction.js';
import { recordAudit } from '../../audit/record.js';
import type { DsarRequestRow } from '../job.js';
import type { CaseItem } from './inventory.js';
import type { ErasureDeps } from './run-erasure.js';

export type CaseRedaction = ({ state: 'redacted' } & TicketRedactionReport) | { state: 'refused'; reason: string } | { state: 'not_configured' };

/**
 * Redacts Parley's notes and replies on the subject's Zendesk tickets. A ticket the host refuses
 * (deleted, no permission) is reported, not retried; an outage is thrown so the request is worked
 * again later (redaction is idempotent). Each ticket's result is kept on the request at once, so a
 * run interrupted after it still reports it.
 */
export async function redactTicketNotes(deps: ErasureDeps, request: DsarRequestRow, erasableCases: CaseItem[]): Promise<Record<string, CaseRedaction>> {
  const results: Record<string, CaseRedaction> = {};
  const tickets = erasableCases.filter((c) => c.host === 'zendesk' && !c.unlinked);
  const messages = await messagesOfCases(deps.db, request.tenantId, request.customerId!, tickets.map((c) => c.id));
  for (const kase of tickets) {
    const keys = (messages.get(kase.id) ?? []).filter((m) => m.kind === 'zendesk.ticket_comment').map((m) => m.idempotencyKey);
    // A ticket that is theirs alone is read even without known notes: calls retention deleted
    // since left their notes there, under keys Parley no longer has.
    if (keys.length === 0 && (kase.shared || !deps.ticketNotes)) continue;
    let result: CaseRedaction;
    if (!deps.ticketNotes) {
      result = { state: 'not_configured' };
    } else {
      try {
        result = { state: 'redacted', ...(await deps.ticketNotes.redactNotes(request.tenantId, kase.externalId, keys, { everyParleyNote: !kase.shared })) };
      } catch (error) {
        if (!(error instanceof TicketRedactionRefused)) throw error;
        result = { state: 'refused', reason: error.message };
      }
    }
    results[kase.id] = result;
    await deps.db.transaction(async (tx) => {
      await tx
        .update(dsarRequests)
        .set({
          outcome: sql`coalesce(${dsarRequests.outcome}, '{}'::jsonb) || jsonb_build_object('ticketNotes', coalesce(${dsarRequests.outcome}->'ticketNotes', '{}'::jsonb) || ${JSON.stringify({ [kase.id]: result })}::jsonb)`,
        })
        .where(eq(dsarRequests.id, request.id));
      await recordAudit(tx, {
        tenantId: request.tenantId,
        actor: { kind: 'system' },
        action: result.state === 'redacted' ? 'case.notes_redacted' : 'case.notes_not_redacted',
        subjectType: 'case',
        subjectId: kase.id,
        details:
          result.state === 'redacted'
            ? { requestId: request.id, redacted: result.redacted, alreadyRedacted: result.alreadyRedacted, notFound: result.notFound, othersComments: result.othersComments }
            : { requestId: request.id, why: result.state === 'refused' ? result.reason : 'zendesk_api_not_configured' },
      });
    });
  }
  return results;
}
