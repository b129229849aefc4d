import { and, eq } from 'drizzle-orm';
import { calls, joinTokens, meetingTypes } from '../../db/schema/index.js';
import { ConflictError, GoneError, NotFoundError } from '../../errors.js';
import type { ServiceDeps } from '../deps.js';
import { hashJoinToken } from '../calls/join-token.js';

/**
 * Whether the call a join link opens is end-to-end encrypted, asked before the link is spent:
 * a browser that cannot encrypt must say so without using up the person's only link. Reveals
 * nothing the link's holder could not learn by joining, and spends nothing.
 */
export async function readJoinEncryption(deps: Pick<ServiceDeps, 'db'>, token: string): Promise<{ e2ee: boolean }> {
  const [link] = await deps.db
    .select({ usedAt: joinTokens.usedAt, expiresAt: joinTokens.expiresAt, e2ee: meetingTypes.e2ee })
    .from(joinTokens)
    .innerJoin(calls, and(eq(calls.id, joinTokens.callId), eq(calls.tenantId, joinTokens.tenantId)))
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .where(eq(joinTokens.tokenHash, hashJoinToken(token)));
  // The same answers, in the same order, as redeeming the link would give.
  if (!link) throw new NotFoundError('TOKEN_NOT_FOUND', 'This join link is not valid. Ask for a new one.');
  if (link.usedAt) throw new ConflictError('TOKEN_USED', 'This join link has already been used. Ask for a new one.');
  if (link.expiresAt.getTime() <= Date.now()) throw new GoneError('TOKEN_EXPIRED', 'This join link has expired. Ask for a new one.');
  return { e2ee: link.e2ee };
}
