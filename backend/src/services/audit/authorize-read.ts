import type { DbOrTx } from '../../db/client.js';
import { decide, authorizeAccount } from '../access/policy.js';
import type { AgentPrincipal, Principal } from '../principal.js';
import { recordAudit } from './record.js';

/**
 * read_audit for the principal's own account. A refusal is evidence too (read_audit is a
 * sensitive action): it is written to the trail before the 403.
 */
export async function authorizeAuditRead(db: DbOrTx, principal: Principal, attempted: 'verify' | 'export' | 'list'): Promise<AgentPrincipal> {
  const decision = decide(principal, 'read_audit', { tenantId: principal.tenantId });
  if (!decision.allowed && principal.kind === 'agent') {
    await recordAudit(db, {
      tenantId: principal.tenantId,
      actor: principal,
      action: 'access.denied',
      subjectType: 'audit_trail',
      subjectId: principal.tenantId,
      details: { attempted: 'read_audit', operation: attempted, reason: decision.reason },
    });
  }
  return authorizeAccount(principal, 'read_audit');
}
