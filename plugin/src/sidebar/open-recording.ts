import type { PlaybackResponse } from '../api-types';
import type { AgentSession } from './session';

/** Asks for a playback link (each one is a new audited playback) and opens the viewer in a new tab. */
export async function openRecording(session: AgentSession, recordingId: string): Promise<void> {
  const { viewerUrl } = await session.request<PlaybackResponse>(`/api/recordings/${encodeURIComponent(recordingId)}/playback`, { method: 'POST' });
  const url = new URL(viewerUrl, window.location.href);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('The server sent an unusable viewer link.');
  // noopener: the viewer must not be able to reach back into the Zendesk frame.
  window.open(url.href, '_blank', 'noopener');
}
