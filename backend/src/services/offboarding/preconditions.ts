import { and, count, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { calls, consentRecords, customers, dsarRequests, legalHolds, outboxMessages, recordings, tenantExports } from '../../db/schema/index.js';
import { ConflictError } from '../../errors.js';
import { auditForwardingEnabled } from '../audit/forwarding.js';
import { OPEN_STATES } from '../dsar/view.js';
import { exportState } from './export-keys.js';

type ExportRow = typeof tenantExports.$inferSelect;

/** Why an account cannot be deleted yet, each with the answer DELETE gives (409) and what to do. */
const blockers = {
  legal_hold: 'A legal hold is in place. Release every legal hold before deleting the account.',
  export_missing: 'Export the account first (POST /api/admin/offboarding/export), download it, then delete.',
  export_not_finished: 'The export named is not finished (still running, failed or expired). Use a finished export.',
  export_not_downloaded: 'The export has not been downloaded yet. Download it (and keep its passphrase) before deleting the account.',
  export_outdated: 'Calls, recordings, consent records or customers were added after the export started. Export again.',
  dsar_open: 'Data-subject requests are still open. Answer them first: their deadlines do not end with the account.',
  calls_running: 'Calls are still running or waiting to be joined. Let them end first.',
  recordings_processing: 'Recordings are still being processed. Wait until they are stored.',
  audit_forwarding_pending:
    'Audit events are still waiting to be copied to the audit sink, or gave up (retry them under dead letters, POST /api/admin/outbox/{id}/retry). Try again once they are delivered.',
} as const;
export type OffboardingBlocker = keyof typeof blockers;

const PROCESSING = ['pending', 'converting', 'muxing', 'encrypting', 'verified'] as const;

async function exists(query: Promise<{ n: number }[]>): Promise<boolean> {
  const [row] = await query;
  return Number(row?.n ?? 0) > 0;
}

/**
 * Everything that stands in the way of deleting the account with this export, in the order an
 * admin would fix them. Empty: the account may go.
 */
export async function offboardingBlockers(db: DbOrTx, tenantId: string, exportRow: ExportRow | undefined): Promise<OffboardingBlocker[]> {
  const found: OffboardingBlocker[] = [];
  if (await exists(db.select({ n: count() }).from(legalHolds).where(and(eq(legalHolds.tenantId, tenantId), isNull(legalHolds.releasedAt))))) found.push('legal_hold');
  if (!exportRow) found.push('export_missing');
  else if (exportState(exportRow) !== 'ready') found.push('export_not_finished');
  else {
    if (!exportRow.downloadedAt) found.push('export_not_downloaded');
    // Anything that arrived after the export started may be missing from it.
    const since = exportRow.createdAt;
    const newer = await Promise.all([
      exists(db.select({ n: count() }).from(calls).where(and(eq(calls.tenantId, tenantId), gt(calls.createdAt, since)))),
      exists(db.select({ n: count() }).from(recordings).where(and(eq(recordings.tenantId, tenantId), gt(recordings.storedAt, since)))),
      exists(db.select({ n: count() }).from(consentRecords).where(and(eq(consentRecords.tenantId, tenantId), gt(consentRecords.at, since)))),
      exists(db.select({ n: count() }).from(customers).where(and(eq(customers.tenantId, tenantId), gt(customers.createdAt, since)))),
    ]);
    if (newer.some(Boolean)) found.push('export_outdated');
  }
  if (await exists(db.select({ n: count() }).from(dsarRequests).where(and(eq(dsarRequests.tenantId, tenantId), inArray(dsarRequests.state, [...OPEN_STATES]))))) found.push('dsar_open');
  if (await exists(db.select({ n: count() }).from(calls).where(and(eq(calls.tenantId, tenantId), inArray(calls.state, ['created', 'active']))))) found.push('calls_running');
  if (await exists(db.select({ n: count() }).from(recordings).where(and(eq(recordings.tenantId, tenantId), inArray(recordings.stage, [...PROCESSING]))))) {
    found.push('recordings_processing');
  }
  if (auditForwardingEnabled()) {
    const pending = db
      .select({ n: count() })
      .from(outboxMessages)
      // Dead ones too: deleting them would leave a gap in the sink's copy of the chain.
      .where(and(eq(outboxMessages.tenantId, tenantId), eq(outboxMessages.kind, 'audit.event'), inArray(outboxMessages.state, ['pending', 'dead'])));
    if (await exists(pending)) found.push('audit_forwarding_pending');
  }
  return found;
}

export function blockerMessage(blocker: OffboardingBlocker): string {
  return blockers[blocker];
}

/** The first blocker as the typed error DELETE answers with. */
export function refusalFor(blocker: OffboardingBlocker): ConflictError {
  return new ConflictError(blocker === 'legal_hold' ? 'LEGAL_HOLD' : blocker.toUpperCase(), blockers[blocker]);
}
