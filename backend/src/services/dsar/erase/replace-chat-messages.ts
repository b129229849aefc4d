import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { dsarRequests, outboxMessages } from '../../../db/schema/index.js';
import { ChatReplacementRefused } from '../../../ports/chat-message-replacement.js';
import { recordAudit } from '../../audit/record.js';
import type { DsarRequestRow } from '../job.js';
import { messagesOfCases } from './case-messages.js';
import type { CaseItem } from './inventory.js';
import type { ErasureDeps } from './run-erasure.js';

/** What the chat shows instead of the bot's message about the person. */
export const REPLACEMENT_TEXT = 'This message was removed at the request of the person it concerned.';

export type ChatReplacement = { state: 'replaced'; replaced: number; missing: number } | { state: 'refused'; reason: string } | { state: 'not_configured' };

/**
 * Replaces the bot's messages (consent cards, call events) in the subject's Teams chats. Found by
 * the outbox rows Parley queued about the case's calls and the activity id Teams gave each one.
 * Re-running replaces them again, which changes nothing. A chat that refuses is reported; an
 * outage is thrown, so the request is worked again later.
 */
export async function replaceChatMessages(deps: ErasureDeps, request: DsarRequestRow, erasableCases: CaseItem[]): Promise<Record<string, ChatReplacement>> {
  const results: Record<string, ChatReplacement> = {};
  const chats = erasableCases.filter((c) => c.host === 'teams' && c.channel === 'teams_chat' && c.conversationId && !c.unlinked);
  const messages = await messagesOfCases(deps.db, request.tenantId, request.customerId!, chats.map((c) => c.id));
  for (const kase of chats) {
    const outboxIds = (messages.get(kase.id) ?? []).filter((m) => m.kind === 'teams.activity').map((m) => m.id);
    if (outboxIds.length === 0) continue;
    const posted = await deps.db
      .select({ id: outboxMessages.vendorMessageId })
      .from(outboxMessages)
      .where(and(eq(outboxMessages.tenantId, request.tenantId), inArray(outboxMessages.id, outboxIds), isNotNull(outboxMessages.vendorMessageId)));
    if (posted.length === 0) continue;
    let result: ChatReplacement;
    if (!deps.chatMessages) {
      result = { state: 'not_configured' };
    } else {
      try {
        const ids = posted.map((p) => p.id!);
        result = { state: 'replaced', ...(await deps.chatMessages.replaceMessages(request.tenantId, kase.conversationId!, ids, REPLACEMENT_TEXT)) };
      } catch (error) {
        if (!(error instanceof ChatReplacementRefused)) throw error;
        result = { state: 'refused', reason: error.message };
      }
    }
    results[kase.id] = result;
    await deps.db.transaction(async (tx) => {
      await tx
        .update(dsarRequests)
        .set({
          outcome: sql`coalesce(${dsarRequests.outcome}, '{}'::jsonb) || jsonb_build_object('chatMessages', coalesce(${dsarRequests.outcome}->'chatMessages', '{}'::jsonb) || ${JSON.stringify({ [kase.id]: result })}::jsonb)`,
        })
        .where(eq(dsarRequests.id, request.id));
      await recordAudit(tx, {
        tenantId: request.tenantId,
        actor: { kind: 'system' },
        action: result.state === 'replaced' ? 'case.messages_replaced' : 'case.messages_not_replaced',
        subjectType: 'case',
        subjectId: kase.id,
        details:
          result.state === 'replaced'
            ? { requestId: request.id, replaced: result.replaced, missing: result.missing }
            : { requestId: request.id, why: result.state === 'refused' ? result.reason : 'teams_bot_not_configured' },
      });
    });
  }
  return results;
}
