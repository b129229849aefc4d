import type { EscalateRequest, EscalateResponse, MeetingType, MeetingTypesResponse, OwnOpenCallsResponse } from '../api-types';
import { byId, clearError, showError } from '../dom';
import { CallPanel } from './call-panel';
import { LiveCalls } from './live-calls';
import { OwnAlert } from './own-alert';
import { AgentSession, SessionEndedError, takeHandedOverSession } from './session';
import { TicketRecordings } from './ticket-recordings';
import { connectToZendesk, fitFrameToContent, loadTicketContext, type TicketContext } from './zendesk';

// First of all, so the session token leaves the DOM before anything else runs.
const handedOver = takeHandedOverSession();

const app = byId('app', HTMLElement);
const alert = byId('sidebar-error', HTMLElement);
const signinStatus = byId('signin-status', HTMLElement);
const ticketSummary = byId('ticket-summary', HTMLElement);
const form = byId('escalate-form', HTMLFormElement);
const select = byId('meeting-type', HTMLSelectElement);
const hint = byId('meeting-type-hint', HTMLElement);
const escalateButton = byId('escalate', HTMLButtonElement);
const setupNeeded = byId('setup-needed', HTMLElement);
const setupLink = byId('setup-link', HTMLAnchorElement);
const retryMeetingTypes = byId('retry-meeting-types', HTMLButtonElement);

const RECORDING_TEXT: Record<MeetingType['recordingPolicy'], string> = {
  required: 'Recorded',
  optional: 'Recorded only if turned on',
  forbidden: 'Never recorded',
};

function optionLabel(type: MeetingType): string {
  return type.recordingPolicy === 'required' ? `${type.name} · recorded` : type.name;
}

function renderMeetingTypes(types: MeetingType[]): void {
  select.replaceChildren(
    ...types.map((type) => {
      const option = document.createElement('option');
      option.value = type.id;
      option.textContent = optionLabel(type);
      return option;
    }),
  );
  const describe = (): void => {
    const type = types.find((t) => t.id === select.value);
    hint.textContent = type
      ? `${type.media === 'audio' ? 'Audio only' : 'Audio and video'} · ${RECORDING_TEXT[type.recordingPolicy]} · Legal basis: ${type.legalBasis}`
      : '';
  };
  select.addEventListener('change', describe);
  describe();
  if (types.length === 0) {
    hint.textContent = 'No meeting types are set up yet. Ask an admin to add one.';
    escalateButton.disabled = true;
  }
  form.hidden = false;
}

/** Opens the agent's call view; false when the browser blocked the popup. */
function openCallWindow(url: string): boolean {
  const opened = window.open(url, '_blank');
  if (!opened) return false;
  // The call view needs nothing from this frame; cut the back-reference.
  opened.opener = null;
  return true;
}

async function start(): Promise<void> {
  const client = connectToZendesk();
  if (!client) {
    signinStatus.textContent = 'Not connected';
    showError(alert, new Error('Open this app from a Zendesk ticket.'));
    return;
  }
  fitFrameToContent(client, app);

  let ticket: TicketContext;
  try {
    ticket = await loadTicketContext(client);
  } catch (error) {
    signinStatus.textContent = 'Not connected';
    showError(alert, error);
    return;
  }
  ticketSummary.textContent = `Ticket #${ticket.ticketId} · ${ticket.requester.name}`;
  ticketSummary.hidden = false;

  const session = new AgentSession(
    {
      accountId: ticket.context.account.subdomain,
      userId: String(ticket.agent.id),
      name: ticket.agent.name,
      ...(ticket.agent.role === 'supervisor' || ticket.agent.role === 'admin' ? { role: ticket.agent.role } : {}),
      organizations: ticket.organization ? [String(ticket.organization.id)] : [],
    },
    handedOver,
  );
  const panel = new CallPanel(session, alert, () => {
    escalateButton.disabled = select.options.length === 0 || session.ended;
  });

  try {
    signinStatus.textContent = 'Signing in…';
    const signedIn = await session.signIn();
    signinStatus.textContent = session.signedInByHost ? `Signed in as ${signedIn.agent.name}` : `Signed in with demo sign-in as ${signedIn.agent.name}`;
    if (signedIn.onboarding?.required) showSetupLink(signedIn.onboarding.url, signedIn.token);
  } catch (error) {
    signinStatus.textContent = 'Not signed in';
    showError(alert, error);
    return;
  }
  // The one place that says so; every part of the sidebar stops what could only fail from now on.
  session.onEnded((error) => {
    signinStatus.textContent = 'Session ended';
    showError(alert, error);
    escalateButton.disabled = true;
    retryMeetingTypes.hidden = true;
  });

  // Without meeting types the agent cannot escalate, but stays signed in and may load them again.
  const meetingTypesAlert = new OwnAlert(alert, 'load the meeting types');
  const loadMeetingTypes = async (): Promise<boolean> => {
    retryMeetingTypes.disabled = true;
    try {
      const { meetingTypes } = await session.request<MeetingTypesResponse>('/api/meeting-types');
      meetingTypesAlert.clear();
      retryMeetingTypes.hidden = true;
      renderMeetingTypes(meetingTypes);
      return true;
    } catch (error) {
      if (error instanceof SessionEndedError) return false;
      meetingTypesAlert.show(error);
      retryMeetingTypes.hidden = false;
      retryMeetingTypes.disabled = false;
      return false;
    }
  };
  retryMeetingTypes.addEventListener('click', () => {
    // The button was disabled while loading, which may have dropped focus: put it where the agent goes next.
    void loadMeetingTypes().then((loaded) => (loaded ? select : retryMeetingTypes).focus());
  });
  await loadMeetingTypes();
  // Ended while loading them: the parts below would only ask a server that no longer answers.
  if (session.ended) return;

  // Older recordings of this ticket; a failure here must not keep the agent from escalating.
  const ticketRecordings = new TicketRecordings(session, alert, String(ticket.ticketId));
  void ticketRecordings.load().catch((error: unknown) => {
    if (!(error instanceof SessionEndedError)) showError(alert, error);
  });
  // Calls a supervisor could listen to; the list stays hidden for everyone else.
  new LiveCalls(session, alert, String(ticket.ticketId)).watch();

  // A call of this agent still running on this ticket (the sidebar was reloaded): shown again,
  // with Escalate off until it ends, so the customer is not offered a second call.
  try {
    const { calls } = await session.request<OwnOpenCallsResponse>(`/api/cases/zendesk/${encodeURIComponent(String(ticket.ticketId))}/my-open-calls`);
    const [running] = calls;
    if (running) {
      escalateButton.disabled = true;
      panel.show(running, 'Your call on this ticket is still open. “Open call” takes you back into it.');
    }
  } catch (error) {
    if (!(error instanceof SessionEndedError)) showError(alert, error);
  }

  const escalate = async (): Promise<void> => {
    clearError(alert);
    escalateButton.disabled = true;
    const { requester } = ticket;
    const body: EscalateRequest = {
      meetingTypeId: select.value,
      case: {
        host: 'zendesk',
        externalId: String(ticket.ticketId),
        client: ticket.organization ? { kind: 'zendesk_organization', externalId: String(ticket.organization.id), name: ticket.organization.name } : undefined,
      },
      customer: {
        externalId: String(requester.id),
        displayName: requester.name,
        email: requester.email,
        locale: requester.locale,
      },
    };
    let escalation: EscalateResponse;
    try {
      escalation = await session.request<EscalateResponse>('/api/calls', { method: 'POST', body });
    } catch (error) {
      // The sidebar already says the session ended, and escalating can only fail again.
      if (error instanceof SessionEndedError) return;
      showError(alert, error);
      escalateButton.disabled = false;
      return;
    }

    // Open the popup first: browsers allow it only shortly after the click.
    const opened = openCallWindow(escalation.links.agent);
    // Parley itself sends the privacy notice and consent link into the ticket; the
    // customer's answer comes back as an internal note.
    const notice = ['Privacy notice and consent request sent to the customer.'];
    if (!opened) notice.push('Your browser blocked the call window: use “Open call”.');
    panel.show(escalation.call, notice.join(' '));
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void escalate();
  });
}

void start();

/**
 * An admin of an account that is not set up yet goes to the console's set-up wizard with this
 * session. It travels in the fragment, which is never sent to a server, and the console removes
 * it from the address bar as soon as it loads.
 */
function showSetupLink(url: string, token: string): void {
  const target = new URL(url, window.location.origin);
  target.hash = `session=${encodeURIComponent(token)}&route=${encodeURIComponent(target.hash.replace(/^#/, '') || '/onboarding')}`;
  setupLink.href = target.toString();
  setupNeeded.hidden = false;
}
