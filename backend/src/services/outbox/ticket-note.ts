import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { cases } from '../../db/schema/index.js';
import { enqueueMessage, type OutboxMessage } from './enqueue.js';

/** Where a case lives: a Zendesk ticket, or a Teams chat. */
export interface CaseAddress {
  host: 'zendesk' | 'teams';
  externalId: string;
  conversationId: string | null;
}

/**
 * The message that tells the people on a case about an event of its call: an internal
 * note on a Zendesk ticket, a bot message in a Teams chat. `key` names the event, so the
 * same event is never posted twice.
 */
export function ticketNote(tenantId: string, to: CaseAddress, body: string, key: string): OutboxMessage {
  switch (to.host) {
    case 'zendesk':
      return { tenantId, kind: 'zendesk.ticket_comment', idempotencyKey: key, payload: { ticketId: to.externalId, body, public: false } };
    case 'teams':
      return {
        tenantId,
        kind: 'teams.activity',
        idempotencyKey: key,
        // Plain text: a note is a status line, not markdown to be interpreted.
        payload: { conversationId: to.conversationId ?? to.externalId, activity: { type: 'message', textFormat: 'plain', text: body } },
      };
    default: {
      const unknownHost: never = to.host;
      throw new Error(`unknown host ${String(unknownHost)}`);
    }
  }
}

/** Queues the note on the call's case in the caller's transaction (see `ticketNote`). */
export async function noteOnTicket(tx: DbOrTx, call: { tenantId: string; caseId: string }, body: string, key: string): Promise<void> {
  const [found] = await tx
    .select({ host: cases.host, externalId: cases.externalId, conversationId: cases.conversationId })
    .from(cases)
    .where(eq(cases.id, call.caseId));
  if (!found) return;
  await enqueueMessage(tx, ticketNote(call.tenantId, found, body, key));
}
