import type { AgentLinkResponse, CallResponse, CallView, Participant, RecordingPolicy } from '../api-types';
import { byId, clearError, showError } from '../dom';
import { openWindowFor } from '../open-window';
import { pollShowingFailures } from '../poll';
import { OwnAlert } from './own-alert';
import { RecordingRow } from './recording-row';
import { SessionEndedError, type AgentSession } from './session';

const POLL_MS = 2000;

const STATE_TEXT: Record<CallView['state'], string> = {
  created: 'Waiting for the customer to join',
  active: 'Call in progress',
  ended: 'Call ended',
  failed: 'Call failed',
};

/** Ends the agent should know the reason of, beyond "Call ended". */
const END_TEXT: Partial<Record<string, string>> = {
  customer_declined: 'The customer declined the video call. You can help them in the ticket, or offer the call again.',
  expired_unjoined: 'The call expired before anyone joined.',
  media_server_lost: 'The call was cut off: the video server failed.',
  abandoned: 'The call ended on its own: everyone had left without ending it.',
  recording_unavailable: 'The call was stopped as it began: it must be recorded, and the recording could not start. See the note in the ticket.',
};

function presenceText(participants: Participant[], role: Participant['role']): string {
  const mine = participants.filter((p) => p.role === role);
  if (mine.some((p) => p.admission === 'removed')) return 'Removed from the call';
  if (mine.some((p) => p.admission === 'waiting')) return 'Waiting in the lobby: open the call to let them in';
  if (mine.some((p) => p.joinedAt && !p.leftAt)) return 'In the call';
  if (mine.some((p) => p.leftAt)) return 'Left the call';
  return 'Not joined yet';
}

/** Shows one escalated call in the sidebar until it ends. */
export class CallPanel {
  private readonly panel = byId('call-panel', HTMLElement);
  private readonly notice = byId('escalate-notice', HTMLElement);
  private readonly openButton = byId('open-call', HTMLButtonElement);
  private readonly state = byId('call-state', HTMLElement);
  private readonly customer = byId('customer-presence', HTMLElement);
  private readonly recording = byId('call-recording', HTMLElement);
  private readonly endButton = byId('end-call', HTMLButtonElement);
  private readonly recordingRow: RecordingRow;
  private readonly pollAlert: OwnAlert;
  private stopPolling: (() => void) | null = null;
  private callId: string | null = null;
  private recordingPolicy: RecordingPolicy = 'forbidden';

  constructor(
    private readonly session: AgentSession,
    private readonly alert: HTMLElement,
    /** Called once the call is over, so the agent may escalate again. */
    private readonly onFinished: () => void,
  ) {
    this.recordingRow = new RecordingRow(session, alert);
    this.pollAlert = new OwnAlert(alert, 'update the call status');
    this.endButton.addEventListener('click', () => void this.end());
    this.openButton.addEventListener('click', () => void this.open());
    session.onEnded(() => this.sessionEnded());
  }

  /** Shows a call just escalated, or one still running when the sidebar loads. */
  show(call: CallView, notice: string): void {
    this.stop();
    this.recordingRow.reset();
    this.callId = call.id;
    // An account that records nothing records none of its calls, whatever their meeting type says.
    this.recordingPolicy = call.recording.accountRecordingOff ? 'forbidden' : call.meetingType.recordingPolicy;
    this.notice.textContent = notice;
    this.openButton.hidden = false;
    this.openButton.disabled = false;
    this.endButton.hidden = false;
    this.endButton.disabled = false;
    this.render(call);
    this.panel.hidden = false;
    const callId = call.id;
    this.stopPolling = pollShowingFailures(
      () => this.session.request<CallResponse>(`/api/calls/${encodeURIComponent(callId)}`),
      ({ call }) => this.render(call),
      POLL_MS,
      { failed: (error) => this.pollAlert.show(error), recovered: () => this.pollAlert.clear() },
    );
  }

  private render(call: CallView): void {
    if (call.id !== this.callId) return;
    this.state.textContent = END_TEXT[call.endReason ?? ''] ?? STATE_TEXT[call.state] ?? call.state;
    this.customer.textContent = call.endReason === 'customer_declined' ? 'Declined the video call' : presenceText(call.participants, 'customer');
    this.recording.textContent = call.recording.active ? 'Recording' : 'Not recording';
    this.recording.classList.toggle('is-recording', call.recording.active);
    if (call.state === 'ended' || call.state === 'failed') this.finish(call.id);
  }

  /**
   * Opens the call view with a fresh link: the first one is spent once a window used it, and a
   * closed window or a reloaded sidebar must not leave the agent outside their own call.
   */
  private async open(): Promise<void> {
    const callId = this.callId;
    if (!callId) return;
    this.openButton.disabled = true;
    clearError(this.alert);
    try {
      await openWindowFor(async () => {
        const { link } = await this.session.request<AgentLinkResponse>(`/api/calls/${encodeURIComponent(callId)}/agent-link`, { method: 'POST' });
        return link;
      });
    } catch (error) {
      if (!(error instanceof SessionEndedError)) showError(this.alert, error);
    } finally {
      this.openButton.disabled = false;
    }
  }

  private async end(): Promise<void> {
    if (!this.callId) return;
    this.endButton.disabled = true;
    clearError(this.alert);
    try {
      const { call } = await this.session.request<CallResponse>(`/api/calls/${encodeURIComponent(this.callId)}/end`, {
        method: 'POST',
      });
      this.render(call);
    } catch (error) {
      // The sidebar already says the session ended, and ending the call from here can only fail again.
      if (error instanceof SessionEndedError) return;
      showError(this.alert, error);
      this.endButton.disabled = false;
    }
  }

  /**
   * Nothing here can reach the server any more. The call itself goes on: its window holds its
   * own link, so the agent ends it there.
   */
  private sessionEnded(): void {
    this.stop();
    this.endButton.disabled = true;
    this.openButton.disabled = true;
    if (this.callId) this.notice.textContent = 'This status is no longer updated. The call goes on in its window: end it there.';
  }

  private finish(callId: string): void {
    this.stop();
    this.callId = null;
    this.endButton.hidden = true;
    this.openButton.hidden = true;
    this.notice.textContent = '';
    // Asked for every meeting type that may record, not only when the sidebar saw recording on:
    // an optional recording switched on and off between two polls would otherwise go unnoticed.
    if (this.recordingPolicy !== 'forbidden') this.recordingRow.watch(callId);
    this.onFinished();
  }

  private stop(): void {
    this.stopPolling?.();
    this.stopPolling = null;
  }
}
