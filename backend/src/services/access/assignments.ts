import { and, eq, inArray, sql } from 'drizzle-orm';
import type { PgInsertValue } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../../db/client.js';
import { agentClients, agentRoles, clients, roles } from '../../db/schema/index.js';
import { builtInRoleNames, builtInRoles } from './permissions.js';

export type ClientKind = (typeof clients.$inferInsert)['kind'];
export interface ClientRef {
  kind: ClientKind;
  externalId: string;
  name?: string | null;
}

/** Gives a tenant the built-in roles it lacks. Idempotent; called when a tenant is provisioned. */
export async function ensureBuiltInRoles(tx: DbOrTx, tenantId: string): Promise<void> {
  await tx
    .insert(roles)
    .values(builtInRoleNames.map((name) => ({ tenantId, name, builtIn: true, allClients: builtInRoles[name].allClients })))
    .onConflictDoNothing({ target: [roles.tenantId, roles.name] });
}

/**
 * The insert that finds or creates the client a host object (organization, brand, group, team)
 * stands for, returning its id; its values may be placeholders (a part of `writeTogether`).
 */
export function clientUpsert(db: DbOrTx, client: PgInsertValue<typeof clients>) {
  return db
    .insert(clients)
    .values(client)
    .onConflictDoUpdate({
      target: [clients.tenantId, clients.kind, clients.externalId],
      set: { name: sql`coalesce(excluded.name, ${clients.name})`, updatedAt: sql`now()` },
    })
    .returning({ id: clients.id });
}

/** Finds or creates the client a host object stands for. */
export async function upsertClient(tx: DbOrTx, tenantId: string, ref: ClientRef): Promise<string> {
  const [row] = await clientUpsert(tx, { tenantId, kind: ref.kind, externalId: ref.externalId, name: ref.name ?? null });
  return row!.id;
}

/**
 * Replaces the roles the host says a user has (Zendesk role, Teams membership) with `roleNames`.
 * Roles an admin assigned in Parley are kept. Unknown names are ignored: deny by default.
 */
export async function setHostRoles(tx: DbOrTx, tenantId: string, agentId: string, roleNames: readonly string[]): Promise<void> {
  await tx.delete(agentRoles).where(and(eq(agentRoles.agentId, agentId), eq(agentRoles.source, 'host')));
  if (roleNames.length === 0) return;
  const found = await tx
    .select({ id: roles.id })
    .from(roles)
    .where(and(eq(roles.tenantId, tenantId), inArray(roles.name, [...roleNames])));
  if (found.length === 0) return;
  await tx.insert(agentRoles).values(found.map((r) => ({ agentId, roleId: r.id, source: 'host' as const })));
}

/** Replaces the clients the host says a user works for (Zendesk organizations and groups, Teams teams). */
export async function setHostClients(tx: DbOrTx, tenantId: string, agentId: string, refs: readonly ClientRef[]): Promise<void> {
  await tx.delete(agentClients).where(and(eq(agentClients.agentId, agentId), eq(agentClients.source, 'host')));
  const ids = new Set<string>();
  for (const ref of refs) ids.add(await upsertClient(tx, tenantId, ref));
  if (ids.size === 0) return;
  await tx.insert(agentClients).values([...ids].map((clientId) => ({ agentId, clientId, source: 'host' as const })));
}
