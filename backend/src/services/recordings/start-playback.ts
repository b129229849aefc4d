import { ConflictError } from '../../errors.js';
import { recordAudit } from '../audit/record.js';
import type { ServiceDeps } from '../deps.js';
import type { AgentPrincipal } from '../principal.js';
import { loadRecordingFor } from './access.js';
import { deletedRecordingError } from './view.js';

/**
 * A stream link for one viewer and one recording, valid for minutes. Issuing it is the playback
 * and is audited; the link itself carries no key, only a signed ticket.
 */
export async function startPlayback(deps: Pick<ServiceDeps, 'db' | 'tokens' | 'publicBaseUrl' | 'recordings'>, principal: AgentPrincipal, recordingId: string) {
  const { recording } = await loadRecordingFor(deps.db, principal, recordingId, 'play_recording');
  if (recording.stage === 'deleted') {
    throw deletedRecordingError(recording.deletionReason);
  }
  if (recording.stage !== 'stored' && recording.stage !== 'done') {
    throw new ConflictError('RECORDING_NOT_READY', 'This recording is still being processed; try again in a moment.');
  }
  const { token, ticket } = await deps.tokens.issuePlayback(
    { tenantId: principal.tenantId, agentId: principal.agentId, recordingId },
    deps.recordings.playbackTtlSeconds,
  );
  await recordAudit(deps.db, {
    tenantId: principal.tenantId,
    actor: principal,
    action: 'recording.playback_started',
    subjectType: 'recording',
    subjectId: recordingId,
    details: { ticketId: ticket.ticketId, customerId: recording.customerId, expiresAt: ticket.expiresAt.toISOString() },
  });
  return {
    streamUrl: `${deps.publicBaseUrl}/media/${token}`,
    viewerUrl: `${deps.publicBaseUrl}/app/recording.html#ticket=${token}`,
    expiresAt: ticket.expiresAt.toISOString(),
  };
}
