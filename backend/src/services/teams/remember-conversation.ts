import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { teamsConversations } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { canonicalJson } from '../notices/content.js';
import { provisionTenant } from '../tenants/provision.js';

/**
 * What proactive sends need, and nothing more: ids, channel, service URL. Parsing
 * drops the rest (display names, the chat's topic, the id of whichever message
 * arrived last), so the stored reference holds no names and only changes when
 * routing does.
 */
/**
 * What a proactive message needs to reach the chat, and no more: not the user who last wrote in
 * it or their locale (in a group chat that would be whoever posted last, a personal identifier
 * the routing does not use; parsing drops them).
 */
export const conversationReferenceSchema = z.object({
  channelId: z.string().min(1).max(100),
  serviceUrl: z.url({ protocol: /^https?$/ }),
  conversation: z.object({
    id: z.string().min(1).max(1000),
    tenantId: z.string().max(100).optional(),
    conversationType: z.string().max(50).optional(),
    isGroup: z.boolean().optional(),
  }),
  bot: z.object({ id: z.string().min(1).max(300), name: z.string().max(200).optional() }),
});
export type StoredConversationReference = z.infer<typeof conversationReferenceSchema>;

export interface TeamsConversationSeen {
  /** Entra ID tenant of the chat: the Teams installation Parley maps to a tenant. */
  teamsTenantId: string;
  /** A Bot Framework ConversationReference as botbuilder builds it; trimmed here. */
  reference: unknown;
}

/**
 * Keeps the reference of a Teams chat the bot is in, so later messages (the
 * consent card, the call's events) can be sent into it. The first sight of a
 * Teams tenant provisions it with safe defaults.
 */
export async function rememberTeamsConversation(db: Db, seen: TeamsConversationSeen): Promise<{ tenantId: string; created: boolean }> {
  const reference = conversationReferenceSchema.parse(seen.reference);
  const { tenantId } = await provisionTenant(db, { host: 'teams', externalAccountId: seen.teamsTenantId });
  const conversationId = reference.conversation.id;

  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: teamsConversations.id, reference: teamsConversations.reference })
      .from(teamsConversations)
      .where(and(eq(teamsConversations.tenantId, tenantId), eq(teamsConversations.conversationId, conversationId)));
    if (existing) {
      // Every message passes here; write only when routing changed (e.g. a new serviceUrl).
      // jsonb reorders keys, hence the canonical form.
      if (canonicalJson(existing.reference) !== canonicalJson(reference)) {
        await tx
          .update(teamsConversations)
          .set({ serviceUrl: reference.serviceUrl, reference, updatedAt: new Date() })
          .where(eq(teamsConversations.id, existing.id));
      }
      return { tenantId, created: false };
    }
    const [inserted] = await tx
      .insert(teamsConversations)
      .values({ tenantId, conversationId, serviceUrl: reference.serviceUrl, reference })
      .onConflictDoNothing()
      .returning({ id: teamsConversations.id });
    // A concurrent first message stored it already: same reference, nothing to add.
    if (!inserted) return { tenantId, created: false };
    await recordAudit(tx, {
      tenantId,
      actor: { kind: 'system' },
      action: 'teams.conversation_added',
      subjectType: 'teams_conversation',
      subjectId: inserted.id,
      details: { conversationType: reference.conversation.conversationType ?? null },
    });
    return { tenantId, created: true };
  });
}
