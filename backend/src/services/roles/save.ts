import { and, eq, inArray } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.js';
import { UNIQUE_VIOLATION, pgErrorCode } from '../../db/errors.js';
import { meetingTypes, roles } from '../../db/schema/index.js';
import { ConflictError, NotFoundError, PolicyViolation } from '../../errors.js';
import { authorizeAccount } from '../access/policy.js';
import { isBuiltInRole } from '../access/permissions.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';
import type { RoleInput } from './role-input.js';

/** Meeting types a grant names must be this account's. */
async function assertOwnMeetingTypes(tx: DbOrTx, tenantId: string, input: RoleInput) {
  const ids = [...new Set(Object.values(input.grants).flatMap((scope) => (Array.isArray(scope) ? scope : [])))];
  if (ids.length === 0) return;
  const found = await tx.select({ id: meetingTypes.id }).from(meetingTypes).where(and(eq(meetingTypes.tenantId, tenantId), inArray(meetingTypes.id, ids)));
  if (found.length !== ids.length) throw new PolicyViolation('UNKNOWN_MEETING_TYPE', 'A grant names a meeting type this account does not have.');
}

/** Creates a custom role, or changes one (`roleId`). Built-in roles are defined by Parley and cannot be changed. */
export async function saveRole(db: Db, principal: Principal, input: RoleInput, roleId?: string) {
  const admin = authorizeAccount(principal, 'configure');
  if (isBuiltInRole(input.name)) throw new ConflictError('ROLE_NAME_TAKEN', `"${input.name}" is a built-in role.`);
  return db.transaction(async (tx) => {
    await assertOwnMeetingTypes(tx, admin.tenantId, input);
    const values = { name: input.name, allClients: input.allClients, grants: input.grants, updatedAt: new Date() };
    let id = roleId;
    if (roleId) {
      const [updated] = await tx
        .update(roles)
        .set(values)
        .where(and(eq(roles.id, roleId), eq(roles.tenantId, admin.tenantId), eq(roles.builtIn, false)))
        .returning({ id: roles.id })
        .catch((error: unknown) => {
          if (pgErrorCode(error) === UNIQUE_VIOLATION) throw new ConflictError('ROLE_NAME_TAKEN', `A role named "${input.name}" already exists.`);
          throw error;
        });
      if (!updated) throw new NotFoundError('ROLE_NOT_FOUND', 'No such custom role.');
    } else {
      const [created] = await tx
        .insert(roles)
        .values({ tenantId: admin.tenantId, ...values })
        .onConflictDoNothing({ target: [roles.tenantId, roles.name] })
        .returning({ id: roles.id });
      if (!created) throw new ConflictError('ROLE_NAME_TAKEN', `A role named "${input.name}" already exists.`);
      id = created.id;
    }
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: admin,
      action: roleId ? 'role.changed' : 'role.created',
      subjectType: 'role',
      subjectId: id!,
      details: { allClients: input.allClients, actions: Object.keys(input.grants).sort().join(',') },
    });
    return { id: id! };
  });
}

/** Deletes a custom role; its users lose what it granted on their next request. */
export async function deleteRole(db: Db, principal: Principal, roleId: string) {
  const admin = authorizeAccount(principal, 'configure');
  await db.transaction(async (tx) => {
    const [removed] = await tx
      .delete(roles)
      .where(and(eq(roles.id, roleId), eq(roles.tenantId, admin.tenantId), eq(roles.builtIn, false)))
      .returning({ id: roles.id });
    if (!removed) throw new NotFoundError('ROLE_NOT_FOUND', 'No such custom role.');
    await recordAudit(tx, { tenantId: admin.tenantId, actor: admin, action: 'role.deleted', subjectType: 'role', subjectId: roleId });
  });
}
