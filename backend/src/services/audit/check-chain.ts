import type { Db } from '../../db/client.js';
import type { Principal } from '../principal.js';
import { authorizeAuditRead } from './authorize-read.js';
import { recordAudit } from './record.js';
import { verifyAuditChain, type VerifyResult } from './verify.js';

/** Verifies the caller's own account's chain (never another's) and records that it was checked. */
export async function checkAuditChain(deps: { db: Db }, principal: Principal): Promise<VerifyResult> {
  const agent = await authorizeAuditRead(deps.db, principal, 'verify');
  const result = await verifyAuditChain(deps.db, { tenantId: agent.tenantId });
  await recordAudit(deps.db, {
    tenantId: agent.tenantId,
    actor: agent,
    action: 'audit.verified',
    subjectType: 'audit_trail',
    subjectId: agent.tenantId,
    details: { ok: result.ok, events: result.events, brokenSeq: result.firstBroken?.seq ?? null, reason: result.firstBroken?.reason ?? null },
  });
  return result;
}
