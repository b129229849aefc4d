import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { cases } from '../../db/schema/index.js';
import { enqueueMessage } from './enqueue.js';

/**
 * Queues an internal note on the call's Zendesk ticket, in the caller's
 * transaction. `key` names the event, so the same event never yields two notes.
 */
export async function noteOnTicket(tx: DbOrTx, call: { tenantId: string; caseId: string }, body: string, key: string): Promise<void> {
  const [ticket] = await tx.select({ host: cases.host, externalId: cases.externalId }).from(cases).where(eq(cases.id, call.caseId));
  if (ticket?.host !== 'zendesk') return;
  await enqueueMessage(tx, {
    tenantId: call.tenantId,
    kind: 'zendesk.ticket_comment',
    idempotencyKey: key,
    payload: { ticketId: ticket.externalId, body, public: false },
  });
}
