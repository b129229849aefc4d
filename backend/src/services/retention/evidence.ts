import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';

/**
 * Consent records are append-only evidence: the database refuses to delete them unless the
 * transaction says it removes them because their retention ended (migration 0011). Call inside
 * the transaction that deletes, right before it does.
 */
export async function allowEvidenceDeletion(tx: Tx): Promise<void> {
  await tx.execute(sql`SET LOCAL parley.evidence_deletion = 'retention'`);
}
