import type { Recording, RecordingsResponse } from '../api-types';
import { byId, clearError, showError } from '../dom';
import { formatDuration } from '../format';
import { openRecording } from './open-recording';
import { STAGE_TEXT } from './recording-row';
import { SessionEndedError, type AgentSession } from './session';

/**
 * Every recording of this ticket, newest first, each with its own Play button: where the ticket
 * note "the recording is stored" sends the agent.
 */
export class TicketRecordings {
  private readonly section = byId('ticket-recordings', HTMLElement);
  private readonly list = byId('ticket-recordings-list', HTMLUListElement);

  constructor(
    private readonly session: AgentSession,
    private readonly alert: HTMLElement,
    private readonly ticketId: string,
  ) {
    // Playing needs the session: once it ended, every Play could only fail.
    session.onEnded(() => {
      for (const play of this.list.querySelectorAll('button')) play.disabled = true;
    });
  }

  async load(): Promise<void> {
    const { recordings } = await this.session.request<RecordingsResponse>(`/api/cases/zendesk/${encodeURIComponent(this.ticketId)}/recordings`);
    this.list.replaceChildren(...recordings.map((recording) => this.item(recording)));
    this.section.hidden = recordings.length === 0;
  }

  private item(recording: Recording): HTMLLIElement {
    const item = document.createElement('li');
    item.className = 'recording-item';
    item.dataset.testid = 'ticket-recording';
    const label = document.createElement('span');
    const when = new Date(recording.createdAt).toLocaleString();
    const what = recording.media === 'audio' ? 'audio' : 'audio and video';
    label.textContent =
      recording.status === 'available'
        ? `${when} · ${what}${recording.durationSeconds === null ? '' : ` · ${formatDuration(recording.durationSeconds)}`}`
        : `${when} · ${recording.status === 'failed' || recording.status === 'deleted' ? recording.status : `processing (${STAGE_TEXT[recording.stage]})`}`;
    item.append(label);
    if (recording.status === 'available') {
      const play = document.createElement('button');
      play.type = 'button';
      play.className = 'btn btn-secondary';
      play.textContent = 'Play';
      play.setAttribute('aria-label', `Play the recording of ${when}`);
      play.addEventListener('click', () => {
        play.disabled = true;
        clearError(this.alert);
        openRecording(this.session, recording.id)
          .catch((error: unknown) => {
            if (!(error instanceof SessionEndedError)) showError(this.alert, error);
          })
          .finally(() => (play.disabled = this.session.ended));
      });
      item.append(play);
    }
    return item;
  }
}
