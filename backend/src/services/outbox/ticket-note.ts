import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { cases } from '../../db/schema/index.js';
import { enqueueMessage } from './enqueue.js';

/**
 * Queues an event of the call for the people on its case, in the caller's
 * transaction: an internal note on a Zendesk ticket, a bot message in a Teams
 * chat. `key` names the event, so the same event is never posted twice.
 */
export async function noteOnTicket(tx: DbOrTx, call: { tenantId: string; caseId: string }, body: string, key: string): Promise<void> {
  const [found] = await tx
    .select({ host: cases.host, externalId: cases.externalId, conversationId: cases.conversationId })
    .from(cases)
    .where(eq(cases.id, call.caseId));
  if (!found) return;
  switch (found.host) {
    case 'zendesk':
      await enqueueMessage(tx, {
        tenantId: call.tenantId,
        kind: 'zendesk.ticket_comment',
        idempotencyKey: key,
        payload: { ticketId: found.externalId, body, public: false },
      });
      break;
    case 'teams':
      await enqueueMessage(tx, {
        tenantId: call.tenantId,
        kind: 'teams.activity',
        idempotencyKey: key,
        // Plain text: a note is a status line, not markdown to be interpreted.
        payload: { conversationId: found.conversationId ?? found.externalId, activity: { type: 'message', textFormat: 'plain', text: body } },
      });
      break;
    default: {
      const unknownHost: never = found.host;
      throw new Error(`unknown host ${String(unknownHost)}`);
    }
  }
}
