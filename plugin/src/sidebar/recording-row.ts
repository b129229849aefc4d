import { ApiError } from '../api';
import type { Recording, RecordingResponse, RecordingStage } from '../api-types';
import { byId, clearError, showError } from '../dom';
import { formatDuration, shorten } from '../format';
import { pollShowingFailures } from '../poll';
import { openRecording } from './open-recording';
import { OwnAlert } from './own-alert';
import { SessionEndedError, type AgentSession } from './session';

const POLL_MS = 2000;
/** The sidebar is about 300px wide; longer problem texts stay in the tooltip. */
const PROBLEM_MAX = 80;

export const STAGE_TEXT: Record<RecordingStage, string> = {
  pending: 'queued',
  converting: 'converting',
  muxing: 'combining tracks',
  encrypting: 'encrypting',
  verified: 'storing',
  stored: 'stored',
  done: 'stored',
  failed: 'failed',
  deleted: 'deleted',
};

/** Why a deleted recording is gone, as the row says it. */
export const DELETED_TEXT: Record<NonNullable<Recording['deletionReason']>, string> = {
  retention: 'Deleted: its retention period ended',
  erasure: 'Erased at the request of the person recorded',
  deleted_by_user: 'Deleted before its retention period ended',
  failed: 'Deleted: it could not be made from the call’s media',
};

/**
 * After a call ends: follows its recording through processing and, once it is
 * stored, lets the agent play it in the viewer page.
 */
export class RecordingRow {
  /** During the call this row shows whether recording runs; afterwards the result row replaces it. */
  private readonly liveRow = byId('recording-live-row', HTMLElement);
  private readonly row = byId('recording-result-row', HTMLElement);
  private readonly status = byId('recording-status', HTMLElement);
  private readonly playButton = byId('play-recording', HTMLButtonElement);
  private stopPolling: (() => void) | null = null;
  /** Which call the row is about; answers for an earlier call are dropped. */
  private callId: string | null = null;
  private recordingId: string | null = null;
  private readonly pollAlert: OwnAlert;

  constructor(
    private readonly session: AgentSession,
    private readonly alert: HTMLElement,
  ) {
    this.pollAlert = new OwnAlert(alert, 'check the recording');
    this.playButton.addEventListener('click', () => void this.play());
    session.onEnded(() => this.sessionEnded());
  }

  watch(callId: string): void {
    this.reset();
    this.callId = callId;
    this.liveRow.hidden = true;
    this.row.hidden = false;
    this.setStatus('Checking…');
    this.stopPolling = pollShowingFailures(
      () => this.fetchRecording(callId),
      (found) => {
        if (this.callId !== callId) return;
        if (typeof found === 'string') {
          this.setStatus(found);
          this.stop();
        } else {
          this.render(found);
        }
      },
      POLL_MS,
      {
        failed: (error) => {
          if (this.callId === callId) this.pollAlert.show(error);
        },
        recovered: () => {
          if (this.callId === callId) this.pollAlert.clear();
        },
      },
    );
  }

  /** Back to the live recording indicator, for the next call. */
  reset(): void {
    this.stop();
    this.callId = null;
    this.recordingId = null;
    this.row.hidden = true;
    this.liveRow.hidden = false;
    this.playButton.hidden = true;
    this.setStatus('—');
  }

  /** The recording, or the final word when there is none to show. */
  private async fetchRecording(callId: string): Promise<Recording | string> {
    try {
      const { recording } = await this.session.request<RecordingResponse>(`/api/calls/${encodeURIComponent(callId)}/recording`);
      return recording;
    } catch (error) {
      // The recording row exists from the moment recording starts, so after the call 404 is final.
      if (error instanceof ApiError && error.status === 404) return 'Not recorded';
      if (error instanceof ApiError && error.status === 403) return 'Not available to you';
      throw error;
    }
  }

  private render(recording: Recording): void {
    const problem = recording.problem ? shorten(recording.problem, PROBLEM_MAX) : null;
    switch (recording.status) {
      case 'processing':
        this.setStatus(`Processing… (${STAGE_TEXT[recording.stage]})`);
        return;
      case 'waiting_to_retry':
        this.setStatus(`${problem ?? 'Processing was interrupted'} · will retry`, recording.problem);
        return;
      case 'failed':
        this.setStatus(problem ? `Failed: ${problem}` : 'Failed', recording.problem);
        this.stop();
        return;
      case 'deleted':
        this.setStatus(recording.deletionReason ? DELETED_TEXT[recording.deletionReason] : 'Deleted');
        this.stop();
        return;
      case 'available':
        this.setStatus(recording.durationSeconds === null ? 'Available' : `Available · ${formatDuration(recording.durationSeconds)}`);
        this.recordingId = recording.id;
        this.playButton.hidden = false;
        this.playButton.disabled = false;
        this.stop();
        return;
    }
  }

  private async play(): Promise<void> {
    const recordingId = this.recordingId;
    if (!recordingId) return;
    this.playButton.disabled = true;
    clearError(this.alert);
    try {
      await openRecording(this.session, recordingId);
    } catch (error) {
      // The sidebar already says the session ended; playing can only fail again.
      if (error instanceof SessionEndedError) return;
      showError(this.alert, error);
    }
    this.playButton.disabled = false;
  }

  private sessionEnded(): void {
    this.playButton.disabled = true;
    // Still following a recording: what it shows now would never change.
    if (this.stopPolling) this.setStatus('Unknown until you sign in again');
    this.stop();
  }

  private setStatus(text: string, full: string | null = null): void {
    this.status.textContent = text;
    if (full && full !== text) this.status.title = full;
    else this.status.removeAttribute('title');
  }

  private stop(): void {
    this.stopPolling?.();
    this.stopPolling = null;
  }
}
