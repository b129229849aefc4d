import type { PlaybackResponse } from '../api-types';
import { openWindowFor } from '../open-window';
import type { AgentSession } from './session';

/** Opens the viewer in a new tab with a new playback link (each one is an audited playback). */
export function openRecording(session: AgentSession, recordingId: string): Promise<void> {
  return openWindowFor(async () => {
    const { viewerUrl } = await session.request<PlaybackResponse>(`/api/recordings/${encodeURIComponent(recordingId)}/playback`, { method: 'POST' });
    return viewerUrl;
  });
}
