import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { teamsConversations } from '../../db/schema/index.js';
import { conversationReferenceSchema, type StoredConversationReference } from './remember-conversation.js';

/** The stored reference of a tenant's Teams chat, or undefined when the bot was never added to it. */
export async function findConversationReference(
  db: DbOrTx,
  tenantId: string,
  conversationId: string,
): Promise<StoredConversationReference | undefined> {
  const [row] = await db
    .select({ reference: teamsConversations.reference })
    .from(teamsConversations)
    .where(and(eq(teamsConversations.tenantId, tenantId), eq(teamsConversations.conversationId, conversationId)));
  return row ? conversationReferenceSchema.parse(row.reference) : undefined;
}
