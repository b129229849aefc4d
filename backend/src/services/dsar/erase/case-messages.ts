import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.js';
import { calls, consentRequests, outboxMessages, recordings } from '../../../db/schema/index.js';

export interface CaseMessage {
  id: string;
  kind: string;
  idempotencyKey: string;
}

const CHUNK = 1_000;

/**
 * The messages Parley queued about one customer's calls on these cases (notes, replies, chat
 * messages), delivered or not, by case. Only theirs: a ticket or group chat can hold another
 * customer's calls too, and what Parley wrote about those is not this customer's to erase. A
 * delivered message keeps no payload, so they are found by their keys, which name the call, its
 * recording or its consent link: `call:<id>:…`, `recording:<id>:…`, `consent:<id>:…`.
 */
export async function messagesOfCases(db: DbOrTx, tenantId: string, customerId: string, caseIds: string[]): Promise<Map<string, CaseMessage[]>> {
  const byCase = new Map<string, CaseMessage[]>(caseIds.map((id) => [id, []]));
  if (caseIds.length === 0) return byCase;
  const owner = new Map<string, string>();
  for (let i = 0; i < caseIds.length; i += CHUNK) {
    const chunk = caseIds.slice(i, i + CHUNK);
    const callRows = await db
      .select({ id: calls.id, caseId: calls.caseId })
      .from(calls)
      .where(and(eq(calls.tenantId, tenantId), eq(calls.customerId, customerId), inArray(calls.caseId, chunk)));
    for (const c of callRows) owner.set(c.id, c.caseId);
    const recordingRows = await db
      .select({ id: recordings.id, caseId: recordings.caseId })
      .from(recordings)
      .where(and(eq(recordings.tenantId, tenantId), eq(recordings.customerId, customerId), inArray(recordings.caseId, chunk)));
    for (const r of recordingRows) owner.set(r.id, r.caseId);
    const callIds = callRows.map((c) => c.id);
    for (let j = 0; j < callIds.length; j += CHUNK) {
      const consentRows = await db
        .select({ id: consentRequests.id, callId: consentRequests.callId })
        .from(consentRequests)
        .where(and(eq(consentRequests.tenantId, tenantId), inArray(consentRequests.callId, callIds.slice(j, j + CHUNK))));
      for (const c of consentRows) owner.set(c.id, owner.get(c.callId)!);
    }
  }
  const ids = [...owner.keys()];
  const named = sql<string>`split_part(${outboxMessages.idempotencyKey}, ':', 2)`;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await db
      .select({ id: outboxMessages.id, kind: outboxMessages.kind, idempotencyKey: outboxMessages.idempotencyKey, named })
      .from(outboxMessages)
      .where(
        and(
          eq(outboxMessages.tenantId, tenantId),
          inArray(sql`split_part(${outboxMessages.idempotencyKey}, ':', 1)`, ['call', 'recording', 'consent']),
          inArray(named, ids.slice(i, i + CHUNK)),
        ),
      );
    for (const row of rows) byCase.get(owner.get(row.named)!)?.push({ id: row.id, kind: row.kind, idempotencyKey: row.idempotencyKey });
  }
  return byCase;
}
