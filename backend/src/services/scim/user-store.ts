import { and, desc, eq, isNotNull, ne, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { agents, installations } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { UNIQUE_VIOLATION, pgErrorCode } from '../../db/errors.js';
import { ScimError, userNotFound } from './errors.js';
import { scimActor, type ScimClient } from './resolve-token.js';
import { displayNameOf, externalUserIdOf, type UserInput, type UserRow } from './resources.js';

/** The columns a SCIM User is made of; nothing else about the person is read. */
export const userColumns = {
  id: agents.id,
  userName: agents.userName,
  externalUserId: agents.externalUserId,
  displayName: agents.displayName,
  active: agents.active,
  createdAt: agents.createdAt,
  updatedAt: agents.updatedAt,
};

type Selected = Omit<UserRow, 'userName'> & { userName: string | null };

export function asUserRow(row: Selected): UserRow {
  return { ...row, userName: row.userName! };
}

/**
 * SCIM sees the account's users that carry an identity-provider sign-in name. Users deleted over
 * SCIM but kept for their call history lose that name, so they are gone for SCIM too.
 */
export function scimUsersOf(tenantId: string): SQL {
  return and(eq(agents.tenantId, tenantId), isNotNull(agents.userName))!;
}

export const sameUserName = (userName: string) => sql`lower(${agents.userName}) = lower(${userName})`;

/** SCIM ids are our uuids; anything else names nobody (and must not reach a uuid column). */
export const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export async function findUser(tx: DbOrTx, tenantId: string, id: string, forUpdate = false): Promise<UserRow> {
  if (!isUuid(id)) throw userNotFound();
  const query = tx.select(userColumns).from(agents).where(and(scimUsersOf(tenantId), eq(agents.id, id)));
  const [row] = forUpdate ? await query.for('update') : await query;
  if (!row) throw userNotFound();
  return asUserRow(row);
}

/**
 * The host SCIM users are filed under. Teams users are Entra users, keyed by the Entra object id
 * that SCIM sends as `externalId`, so a Teams installation wins; otherwise the account's host.
 */
export async function tenantHost(tx: DbOrTx, tenantId: string): Promise<'zendesk' | 'teams'> {
  const rows = await tx.select({ host: installations.host }).from(installations).where(eq(installations.tenantId, tenantId)).orderBy(desc(installations.host));
  const hosts = rows.map((r) => r.host);
  if (hosts.includes('teams')) return 'teams';
  if (hosts.includes('zendesk')) return 'zendesk';
  throw new ScimError(409, null, 'This account has no Zendesk or Teams installation to provision users for.');
}

export async function assertUserNameFree(tx: DbOrTx, tenantId: string, userName: string, exceptId?: string): Promise<void> {
  const [taken] = await tx
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.tenantId, tenantId), sameUserName(userName), exceptId ? ne(agents.id, exceptId) : undefined))
    .limit(1);
  if (taken) throw new ScimError(409, 'uniqueness', 'A user with this userName already exists.');
}

/** Two requests racing for one userName or external id: the database's unique index decides, the loser gets 409. */
export async function uniquely<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (pgErrorCode(error) === UNIQUE_VIOLATION) throw new ScimError(409, 'uniqueness', 'A user with this userName or externalId already exists.');
    throw error;
  }
}

/**
 * The key a host signs the user in by (the Entra object id Teams sends) stays when the client
 * leaves `externalId` out: otherwise a PUT of `{userName, active: false}` would cut the person
 * loose from their row, and their next Teams sign-in would make them a new, active user. A key
 * that was only the old userName follows the new one.
 */
function keptExternalUserId(before: UserRow, input: UserInput): string {
  if (input.externalId) return input.externalId;
  return before.externalUserId === before.userName ? externalUserIdOf(input) : before.externalUserId;
}

/**
 * Writes a user's new SCIM state (PUT or PATCH result). Deactivation bumps the session epoch, so
 * every Parley session of the user ends on its next request. Audited in the same transaction.
 */
export async function writeUser(tx: DbOrTx, client: ScimClient, before: UserRow, input: UserInput, how: 'replace' | 'patch'): Promise<UserRow> {
  const userName = input.userName;
  if (userName.toLowerCase() !== before.userName.toLowerCase()) await assertUserNameFree(tx, client.tenantId, userName, before.id);
  // A PUT without `active` never reactivates anyone by omission.
  const active = input.active ?? before.active;
  const deactivated = before.active && !active;
  const [row] = await uniquely(() =>
    tx
      .update(agents)
      .set({
        userName,
        externalUserId: keptExternalUserId(before, input),
        displayName: displayNameOf(input),
        active,
        ...(deactivated ? { sessionEpoch: sql`${agents.sessionEpoch} + 1` } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(agents.id, before.id), eq(agents.tenantId, client.tenantId)))
      .returning(userColumns),
  );
  const { actor, via } = scimActor(client);
  await recordAudit(tx, {
    tenantId: client.tenantId,
    actor,
    action: deactivated ? 'scim.user_deactivated' : 'scim.user_updated',
    subjectType: 'agent',
    subjectId: before.id,
    details: { ...via, how, active, sessionsEnded: deactivated, reactivated: !before.active && active },
  });
  return asUserRow(row!);
}
