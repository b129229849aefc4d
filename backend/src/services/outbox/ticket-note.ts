import { eq } from 'drizzle-orm';
import { ADAPTIVE_CARD_CONTENT_TYPE, type AdaptiveCard } from '../../adapters/teams/consent-card.js';
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
 * A note as a Teams chat gets it when a card does better than text: a link in a chat opens
 * outside Teams, signed out of Parley, where a card's button can keep the reader inside.
 */
export interface TeamsNote {
  /** What notifications and the chat list show for the card. */
  summary: string;
  card: AdaptiveCard;
}

/**
 * The message that tells the people on a case about an event of its call: an internal
 * note on a Zendesk ticket, a bot message in a Teams chat. `key` names the event, so the
 * same event is never posted twice. `inTeams`, when given, is what a chat gets instead of the
 * text (see TeamsNote).
 */
export function ticketNote(tenantId: string, to: CaseAddress, body: string, key: string, inTeams?: TeamsNote): OutboxMessage {
  switch (to.host) {
    case 'zendesk':
      return { tenantId, kind: 'zendesk.ticket_comment', idempotencyKey: key, payload: { ticketId: to.externalId, body, public: false } };
    case 'teams':
      return {
        tenantId,
        kind: 'teams.activity',
        idempotencyKey: key,
        payload: {
          conversationId: to.conversationId ?? to.externalId,
          activity: inTeams
            ? { type: 'message', summary: inTeams.summary, attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: inTeams.card }] }
            : // Plain text: a note is a status line, not markdown to be interpreted.
              { type: 'message', textFormat: 'plain', text: body },
        },
      };
    default: {
      const unknownHost: never = to.host;
      throw new Error(`unknown host ${String(unknownHost)}`);
    }
  }
}

/** Queues the note on the call's case in the caller's transaction (see `ticketNote`). */
export async function noteOnTicket(
  tx: DbOrTx,
  call: { tenantId: string; caseId: string },
  body: string,
  key: string,
  inTeams?: TeamsNote,
): Promise<void> {
  const [found] = await tx
    .select({ host: cases.host, externalId: cases.externalId, conversationId: cases.conversationId })
    .from(cases)
    .where(eq(cases.id, call.caseId));
  if (!found) return;
  await enqueueMessage(tx, ticketNote(call.tenantId, found, body, key, inTeams));
}
