import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { nonces } from '../../db/schema/index.js';

/**
 * Marks a value as used until `expiresAt`, across every instance sharing the database. False when
 * it was used already: the primary key turns a second use into a conflict. Only a SHA-256 of the
 * value is stored, so the table holds nothing a token could be rebuilt from.
 */
export async function useOnce(db: DbOrTx, kind: string, value: string, expiresAt: Date): Promise<boolean> {
  // Rows past their expiry guard nothing (the token they stand for is refused as expired anyway).
  await db.delete(nonces).where(and(eq(nonces.kind, kind), lt(nonces.expiresAt, new Date())));
  const inserted = await db
    .insert(nonces)
    .values({ kind, value: createHash('sha256').update(value).digest('base64url'), expiresAt })
    .onConflictDoNothing()
    .returning({ kind: nonces.kind });
  return inserted.length === 1;
}
