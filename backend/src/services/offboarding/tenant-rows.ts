import { sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.js';
import { rowsOf } from '../audit/record.js';

/** The record of a deleted account is the one table that keeps a tenant id on purpose. */
const KEPT = new Set(['offboarded_tenants']);

/**
 * Every table that holds rows of a tenant, found in the database itself rather than listed here,
 * so a table added later is not forgotten when an account is deleted.
 */
export async function tenantTables(db: DbOrTx): Promise<string[]> {
  const rows = rowsOf<{ name: string }>(
    await db.execute(sql`
      SELECT c.table_name AS name
      FROM information_schema.columns c
      JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name`),
  );
  return rows.map((r) => r.name).filter((name) => !KEPT.has(name));
}

/** Rows of the tenant per table (the tenants row itself under "tenants"), for the deletion record. */
export async function countTenantRows(tx: DbOrTx, tenantId: string, tables: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = { tenants: 1 };
  for (const table of tables) {
    const [row] = rowsOf<{ n: number | string }>(await tx.execute(sql`SELECT count(*) AS n FROM ${sql.identifier(table)} WHERE tenant_id = ${tenantId}::uuid`));
    const n = Number(row?.n ?? 0);
    if (n > 0) counts[table] = n;
  }
  return counts;
}

/**
 * Deletes every row of the tenant. The transaction first names the tenant it deletes, which is
 * what lets the append-only audit trail and consent evidence of that one tenant go (migration
 * 0013); the tenant row's cascade takes the rest, and tables without a foreign key are cleared
 * after it.
 */
export async function deleteTenantRows(tx: Tx, tenantId: string, tables: string[]): Promise<void> {
  await tx.execute(sql`SELECT set_config('parley.offboarding_tenant', ${tenantId}, true)`);
  await tx.execute(sql`DELETE FROM tenants WHERE id = ${tenantId}::uuid`);
  for (const table of tables) await tx.execute(sql`DELETE FROM ${sql.identifier(table)} WHERE tenant_id = ${tenantId}::uuid`);
}
