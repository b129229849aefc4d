import type { Db } from '../../db/client.js';
import type { MasterKeys } from '../../ports/master-keys.js';
import type { Principal } from '../principal.js';
import { authorizeAuditRead } from './authorize-read.js';
import { streamAuditEvents, type AuditExportFilters, type AuditExportFormat } from './export.js';
import { recordAudit } from './record.js';

export interface ExportAuditInput {
  format: AuditExportFormat;
  filters: AuditExportFilters;
  openPersonal: boolean;
}

/**
 * The caller's account's audit trail as JSON Lines or CSV. The export is itself audited, and
 * committed before the first byte leaves, so an interrupted download is on record too.
 */
export async function exportAudit(deps: { db: Db; masterKeys: MasterKeys }, principal: Principal, input: ExportAuditInput): Promise<AsyncGenerator<string>> {
  const agent = await authorizeAuditRead(deps.db, principal, 'export');
  await recordAudit(deps.db, {
    tenantId: agent.tenantId,
    actor: agent,
    action: 'audit.exported',
    subjectType: 'audit_trail',
    subjectId: agent.tenantId,
    details: { format: input.format, personalOpened: input.openPersonal, ...exportedFilters(input.filters) },
  });
  return streamAuditEvents(deps.db, deps.masterKeys, agent.tenantId, { format: input.format, filters: input.filters, openPersonal: input.openPersonal });
}

/** Filters as audit details: which slice of the trail left, not what it held. */
export function exportedFilters(filters: AuditExportFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(filters)) if (value !== undefined) out[`filter_${key}`] = value;
  return out;
}
