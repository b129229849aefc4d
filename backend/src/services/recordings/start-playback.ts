import { and, eq } from 'drizzle-orm';
import { agents } from '../../db/schema/index.js';
import { ConflictError, UnauthorizedError } from '../../errors.js';
import { loadAgentAccess } from '../access/load-access.js';
import { recordAudit } from '../audit/record.js';
import type { ServiceDeps } from '../deps.js';
import type { AgentPrincipal } from '../principal.js';
import type { PlaybackTicket } from '../sessions/session-tokens.js';
import { loadRecordingFor } from './access.js';
import { deletedRecordingError } from './view.js';
import { playbackViewerUrl } from './viewer-links.js';

type PlaybackDeps = Pick<ServiceDeps, 'db' | 'tokens' | 'publicBaseUrl' | 'recordings'>;

/**
 * A stream link for one viewer and one recording, valid for minutes. Issuing it is the playback
 * and is audited; the link itself carries no key, only a signed ticket.
 */
export async function startPlayback(deps: PlaybackDeps, principal: AgentPrincipal, recordingId: string) {
  const [agent] = await deps.db
    .select({ epoch: agents.sessionEpoch })
    .from(agents)
    .where(and(eq(agents.id, principal.agentId), eq(agents.tenantId, principal.tenantId)));
  if (!agent) throw new UnauthorizedError('Your session has ended; open Parley again.');
  const { streamUrl, viewerUrl, expiresAt } = await issuePlaybackLink(deps, principal, recordingId, { epoch: agent.epoch, startedAt: new Date() }, 'recording.playback_started', {});
  return { streamUrl, viewerUrl, expiresAt };
}

/**
 * The next link for a viewer who is still watching, asked for with the current, unexpired one: the
 * same checks as the first (the viewer's session, role and clients, the recording's state), run
 * again, and audited as the same playback continuing. A link is still valid for minutes only; a
 * player that is watched keeps asking, one that is left alone runs out.
 */
export async function continuePlayback(deps: PlaybackDeps, token: string) {
  // Every link of the playback, this one too, expires by `playbackEndsAt`: a chain cannot outlive a
  // sign-in. A link that already runs to that end cannot be extended, so it is not renewed.
  const current = await deps.tokens.verifyPlayback(token);
  if (current.expiresAt.getTime() >= deps.tokens.playbackEndsAt(current.startedAt).getTime()) {
    throw new UnauthorizedError('This playback has run as long as one sign-in lasts; open the recording in Parley again.');
  }
  const access = await loadAgentAccess(deps.db, { tenantId: current.tenantId, agentId: current.agentId, epoch: current.epoch });
  const principal: AgentPrincipal = { kind: 'agent', tenantId: current.tenantId, agentId: current.agentId, access };
  const { ticket, streamUrl, expiresAt } = await issuePlaybackLink(deps, principal, current.recordingId, current, 'recording.playback_continued', {
    previousTicketId: current.ticketId,
  });
  return { ticket, streamUrl, expiresAt };
}

async function issuePlaybackLink(
  deps: PlaybackDeps,
  principal: AgentPrincipal,
  recordingId: string,
  { epoch, startedAt }: Pick<PlaybackTicket, 'epoch' | 'startedAt'>,
  action: 'recording.playback_started' | 'recording.playback_continued',
  details: Record<string, string>,
) {
  const { recording } = await loadRecordingFor(deps.db, principal, recordingId, 'play_recording');
  if (recording.stage === 'deleted') {
    throw deletedRecordingError(recording.deletionReason);
  }
  if (recording.stage !== 'stored' && recording.stage !== 'done') {
    throw new ConflictError('RECORDING_NOT_READY', 'This recording is still being processed; try again in a moment.');
  }
  const { token, ticket } = await deps.tokens.issuePlayback(
    { tenantId: principal.tenantId, agentId: principal.agentId, recordingId, epoch, startedAt },
    deps.recordings.playbackTtlSeconds,
  );
  await recordAudit(deps.db, {
    tenantId: principal.tenantId,
    actor: principal,
    action,
    subjectType: 'recording',
    subjectId: recordingId,
    details: { ticketId: ticket.ticketId, customerId: recording.customerId, expiresAt: ticket.expiresAt.toISOString(), ...details },
  });
  return {
    ticket: token,
    streamUrl: `${deps.publicBaseUrl}/media/${token}`,
    viewerUrl: playbackViewerUrl(deps.publicBaseUrl, token),
    expiresAt: ticket.expiresAt.toISOString(),
  };
}
