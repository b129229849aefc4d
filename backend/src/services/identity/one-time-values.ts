import { createHash } from 'node:crypto';
import { lt } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { nonces } from '../../db/schema/index.js';

/**
 * Marks a value as used until `expiresAt`, across every instance sharing the database. False when
 * it was used already: the primary key turns a second use into a conflict. Only a SHA-256 of the
 * value is stored, so the table holds nothing a token could be rebuilt from.
 */
export async function useOnce(db: DbOrTx, kind: string, value: string, expiresAt: Date): Promise<boolean> {
  const inserted = await db
    .insert(nonces)
    .values({ kind, value: createHash('sha256').update(value).digest('base64url'), expiresAt })
    .onConflictDoNothing()
    .returning({ kind: nonces.kind });
  return inserted.length === 1;
}

/**
 * Removes one-time values past their expiry, of every kind: they guard nothing any more (the token,
 * request or assertion they stand for is refused as expired anyway). Run by the retention job.
 */
export async function sweepExpiredNonces(db: DbOrTx, now: Date = new Date()): Promise<number> {
  const removed = await db.delete(nonces).where(lt(nonces.expiresAt, now)).returning({ kind: nonces.kind });
  return removed.length;
}
