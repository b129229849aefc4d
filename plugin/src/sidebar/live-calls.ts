import { byId, clearError, showError } from '../dom';
import { openWindowFor } from '../open-window';
import { pollShowingFailures } from '../poll';
import { OwnAlert } from './own-alert';
import { SessionEndedError, type AgentSession } from './session';

const POLL_MS = 15_000;

interface LiveCall {
  id: string;
  state: 'created' | 'active' | 'ended' | 'failed';
  meetingTypeName: string;
  startedAt: string | null;
}

/**
 * For a supervisor: the running calls on this ticket they may listen to silently, each with
 * "Listen in". The server lists only calls whose meeting type allows it, and checks the customer's
 * notice again when the supervisor asks.
 */
export class LiveCalls {
  private readonly section = byId('live-calls', HTMLElement);
  private readonly list = byId('live-calls-list', HTMLUListElement);
  private readonly stale = byId('live-calls-stale', HTMLElement);
  private readonly pollAlert: OwnAlert;
  private stop: (() => void) | null = null;

  constructor(
    private readonly session: AgentSession,
    private readonly alert: HTMLElement,
    private readonly ticketId: string,
  ) {
    this.pollAlert = new OwnAlert(alert, 'refresh the live calls');
    session.onEnded(() => this.sessionEnded());
  }

  watch(): void {
    this.stop?.();
    this.stop = pollShowingFailures(
      () => this.session.request<{ calls: LiveCall[] }>(`/api/cases/zendesk/${encodeURIComponent(this.ticketId)}/live-calls`),
      ({ calls }) => {
        this.list.replaceChildren(...calls.map((call) => this.item(call)));
        this.section.hidden = calls.length === 0;
      },
      POLL_MS,
      {
        // The calls listed may have ended since; listening in to one of them is refused by the server.
        failed: (error) => {
          this.pollAlert.show(error);
          this.stale.hidden = false;
        },
        recovered: () => {
          this.pollAlert.clear();
          this.stale.hidden = true;
        },
      },
    );
  }

  private item(call: LiveCall): HTMLLIElement {
    const item = document.createElement('li');
    item.className = 'recording-item';
    item.dataset.testid = 'live-call';
    item.dataset.callId = call.id;
    const label = document.createElement('span');
    label.textContent = `${call.meetingTypeName} · ${call.state === 'active' ? `running since ${new Date(call.startedAt!).toLocaleTimeString()}` : 'starting'}`;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-secondary';
    button.textContent = 'Listen in';
    button.dataset.testid = 'listen-in';
    button.addEventListener('click', () => void this.listen(call.id, button));
    item.append(label, button);
    return item;
  }

  private async listen(callId: string, button: HTMLButtonElement): Promise<void> {
    clearError(this.alert);
    button.disabled = true;
    try {
      await openWindowFor(async () => {
        const { link } = await this.session.request<{ link: string }>(`/api/calls/${encodeURIComponent(callId)}/supervise`, { method: 'POST' });
        return link;
      });
    } catch (error) {
      // The sidebar already says the session ended, and the list is gone with it.
      if (error instanceof SessionEndedError) return;
      showError(this.alert, error);
    }
    button.disabled = false;
  }

  /** Every "Listen in" could only fail now. */
  private sessionEnded(): void {
    this.stop?.();
    this.stop = null;
    this.list.replaceChildren();
    this.stale.hidden = true;
    this.section.hidden = true;
  }
}
