import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { agents, auditEvents } from '../../db/schema/index.js';
import { ValidationError } from '../../errors.js';
import type { Principal } from '../principal.js';
import { authorizeAuditRead } from './authorize-read.js';
import { recordAudit } from './record.js';

export interface AuditListQuery {
  limit: number;
  cursor?: string;
  action?: string;
}

/**
 * One page of the account's audit trail, newest first, for the console. Keyset-paginated by event
 * id (the order events were written), so a page never repeats or skips an event while new ones
 * arrive. Sealed personal data stays sealed: the console shows only that an event carries some.
 * Reading the trail is itself audited, in the same transaction as the read.
 */
export async function listAuditEvents(db: Db, principal: Principal, query: AuditListQuery) {
  const agent = await authorizeAuditRead(db, principal, 'list');
  const before = query.cursor === undefined ? undefined : parseCursor(query.cursor);
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ event: auditEvents, actorName: agents.displayName })
      .from(auditEvents)
      .leftJoin(agents, and(eq(auditEvents.actorType, 'agent'), eq(agents.tenantId, auditEvents.tenantId), sql`${agents.id}::text = ${auditEvents.actorId}`))
      .where(
        and(
          eq(auditEvents.tenantId, agent.tenantId),
          query.action ? eq(auditEvents.action, query.action) : undefined,
          before === undefined ? undefined : lt(auditEvents.id, before),
        ),
      )
      .orderBy(desc(auditEvents.id))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    await recordAudit(tx, {
      tenantId: agent.tenantId,
      actor: agent,
      action: 'audit.listed',
      subjectType: 'audit_trail',
      subjectId: agent.tenantId,
      details: { events: page.length, ...(query.action ? { filter_action: query.action } : {}), ...(before === undefined ? {} : { before }) },
    });
    return {
      events: page.map(({ event, actorName }) => ({
        id: event.id,
        seq: event.seq,
        at: event.at.toISOString(),
        action: event.action,
        actor: { kind: event.actorType, id: event.actorId, displayName: actorName },
        subjectType: event.subjectType,
        subjectId: event.subjectId,
        details: event.details,
        hasPersonalData: event.sealed !== null,
      })),
      nextCursor: rows.length > query.limit ? String(page.at(-1)!.event.id) : null,
    };
  });
}

function parseCursor(cursor: string): number {
  if (!/^\d{1,15}$/.test(cursor)) throw new ValidationError('INVALID_CURSOR', 'cursor: not a cursor this list handed out.');
  return Number(cursor);
}
