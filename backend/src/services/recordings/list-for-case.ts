import { and, desc, eq } from 'drizzle-orm';
import { calls, cases, recordings } from '../../db/schema/index.js';
import type { ServiceDeps } from '../deps.js';
import type { Principal } from '../principal.js';
import { listPermitted, recordingResourceColumns } from './access.js';
import { recordingView } from './view.js';

/**
 * The recordings of one ticket or chat, as its host names it, newest first: what the sidebar shows
 * on the ticket. A case Parley has never seen simply has none.
 */
export async function listCaseRecordings(deps: Pick<ServiceDeps, 'db'>, principal: Principal, host: 'zendesk' | 'teams', externalId: string) {
  const rows = await deps.db
    .select({ recording: recordings, resource: recordingResourceColumns })
    .from(recordings)
    .innerJoin(cases, eq(cases.id, recordings.caseId))
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .where(and(eq(recordings.tenantId, principal.tenantId), eq(cases.tenantId, principal.tenantId), eq(cases.host, host), eq(cases.externalId, externalId)))
    .orderBy(desc(recordings.createdAt));
  const shown = await listPermitted(deps.db, principal, rows, { type: 'case', id: rows[0]?.recording.caseId ?? externalId });
  return shown.map(({ recording }) => recordingView(recording));
}
