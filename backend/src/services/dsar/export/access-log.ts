import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.js';
import { agentRoles, auditEvents, dsarRequests, roles } from '../../../db/schema/index.js';
import type { MasterKeys } from '../../../ports/master-keys.js';
import { sealOpener } from '../../audit/seal.js';

export interface SubjectScope {
  tenantId: string;
  customerId: string;
  caseIds: string[];
  callIds: string[];
  recordingIds: string[];
}

export interface AccessLogEntry {
  at: string;
  action: string;
  /** Staff appear by role: their names are their own personal data, not the subject's. */
  actor: { type: string; roles?: string[] };
  subject: { type: string; id: string };
  details: Record<string, unknown>;
  /** Personal data sealed under this subject's key, opened; absent when the event had none. */
  personal?: Record<string, string> | 'erased' | 'unreadable';
}

/**
 * The audit trail as it concerns one data subject: events about them, their cases, calls,
 * recordings and requests, and events carrying their sealed data. Who played, listed, exported or
 * deleted what, and when. Seals are opened only when they are this subject's own.
 */
export async function subjectAccessLog(db: DbOrTx, masterKeys: MasterKeys, scope: SubjectScope): Promise<AccessLogEntry[]> {
  const requestIds = (
    await db.select({ id: dsarRequests.id }).from(dsarRequests).where(and(eq(dsarRequests.tenantId, scope.tenantId), eq(dsarRequests.customerId, scope.customerId)))
  ).map((r) => r.id);
  const about = (type: string, ids: string[]): SQL | undefined =>
    ids.length ? and(eq(auditEvents.subjectType, type), inArray(auditEvents.subjectId, ids)) : undefined;
  const rows = await db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.tenantId, scope.tenantId),
        or(
          eq(auditEvents.dataSubjectId, scope.customerId),
          about('customer', [scope.customerId]),
          about('case', scope.caseIds),
          about('call', scope.callIds),
          about('recording', scope.recordingIds),
          about('dsar_request', requestIds),
          sql`${auditEvents.details}->>'customerId' = ${scope.customerId}`,
        ),
      ),
    )
    .orderBy(auditEvents.id);

  const agentIds = [...new Set(rows.filter((r) => r.actorType === 'agent' && r.actorId).map((r) => r.actorId!))];
  const roleRows = agentIds.length
    ? await db
        .select({ agentId: agentRoles.agentId, name: roles.name })
        .from(agentRoles)
        .innerJoin(roles, eq(roles.id, agentRoles.roleId))
        .where(and(eq(roles.tenantId, scope.tenantId), inArray(agentRoles.agentId, agentIds)))
    : [];
  const rolesOf = new Map<string, string[]>();
  for (const row of roleRows) rolesOf.set(row.agentId, [...new Set([...(rolesOf.get(row.agentId) ?? []), row.name])].sort());

  const opener = sealOpener(db, masterKeys, scope.tenantId);
  try {
    const own = rows.filter((r) => r.sealed !== null && r.dataSubjectId === scope.customerId);
    if (own.length) await opener.prepare([scope.customerId]);
    return rows.map((row) => {
      const entry: AccessLogEntry = {
        at: row.at.toISOString(),
        action: row.action,
        actor: row.actorType === 'agent' ? { type: 'staff', roles: rolesOf.get(row.actorId ?? '') ?? [] } : { type: row.actorType },
        subject: { type: row.subjectType, id: row.subjectId },
        details: row.details,
      };
      if (row.sealed !== null && row.dataSubjectId === scope.customerId) {
        const opened = opener.open(row.sealed, scope.customerId);
        entry.personal = opened.state === 'open' ? opened.data : opened.state;
      }
      return entry;
    });
  } finally {
    opener.close();
  }
}
