import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { noticeVersions } from '../../db/schema/index.js';
import type { AgentPrincipal } from '../principal.js';

/** Every version of a meeting type's notice, per language, oldest first: what was shown when. */
export async function listNoticeVersions(db: DbOrTx, principal: AgentPrincipal, meetingTypeId: string) {
  return db
    .select({
      id: noticeVersions.id,
      language: noticeVersions.language,
      version: noticeVersions.version,
      contentHash: noticeVersions.contentHash,
      createdAt: noticeVersions.createdAt,
    })
    .from(noticeVersions)
    .where(and(eq(noticeVersions.tenantId, principal.tenantId), eq(noticeVersions.meetingTypeId, meetingTypeId)))
    .orderBy(asc(noticeVersions.language), asc(noticeVersions.version));
}
