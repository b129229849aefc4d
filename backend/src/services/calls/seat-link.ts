import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { joinTokens } from '../../db/schema/index.js';
import { newJoinToken } from './join-token.js';

/**
 * A new single-use join link for one seat of a call, in place of any link of that seat not used
 * yet: only the newest works. For a customer back from the consent page and an agent reopening
 * the call view alike. Call inside the transaction that audits it.
 */
export async function replaceSeatLink(tx: DbOrTx, seat: { tenantId: string; callId: string; participantId: string }, ttlSeconds: number) {
  await tx.delete(joinTokens).where(and(eq(joinTokens.participantId, seat.participantId), isNull(joinTokens.usedAt)));
  const link = newJoinToken();
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await tx.insert(joinTokens).values({ ...seat, tokenHash: link.hash, expiresAt });
  return { token: link.token, expiresAt };
}
