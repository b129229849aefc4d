import type { tenantExports } from '../../db/schema/index.js';

/** Account exports sit beside data-subject exports in the local store, under the tenant's prefix. */
export function tenantExportKeys(tenantId: string, exportId: string) {
  return { bundle: `exports/${tenantId}/account-${exportId}.age`, passphrase: `exports/${tenantId}/account-${exportId}.key` };
}

/** A running export that has not touched its row for this long was interrupted (its process died). */
export const EXPORT_STALE_MS = 2 * 60_000;

type ExportRow = typeof tenantExports.$inferSelect;

export type TenantExportState = 'running' | 'ready' | 'failed' | 'expired';

/** The state an admin sees: an interrupted run shows as failed, a bundle past its link's life as expired. */
export function exportState(row: ExportRow, now: Date = new Date()): TenantExportState {
  if (row.state === 'running') return now.getTime() - row.heartbeatAt.getTime() > EXPORT_STALE_MS ? 'failed' : 'running';
  if (row.state === 'ready' && row.expiresAt && row.expiresAt <= now) return 'expired';
  return row.state;
}

export function tenantExportView(row: ExportRow, now: Date = new Date()) {
  const state = exportState(row, now);
  return {
    id: row.id,
    state,
    progress: { done: row.progressDone, total: row.progressTotal },
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    sizeBytes: row.sizeBytes,
    contents: row.contents ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    downloadedAt: row.downloadedAt?.toISOString() ?? null,
    error: state === 'failed' ? (row.lastError ?? 'The export was interrupted; start it again.') : null,
  };
}
export type TenantExportView = ReturnType<typeof tenantExportView>;
