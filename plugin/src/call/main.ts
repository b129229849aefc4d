import { api, ApiError } from '../api';
import type { AdmissionResponse, CallResponse, JoinResponse, MediaGrant, PresenceRequest } from '../api-types';
import { byId, clearError, showAlert } from '../dom';
import { poll, pollShowingFailures } from '../poll';
import { ActionGate } from './action-gate';
import { detectE2eeSupport, MediaEncryption, type E2eeMethod, type EncryptionState } from './e2ee/media-encryption';
import { hangUp, isRemoval } from './hang-up';
import { chooseLanguage, describeCallError, LocalizedError, translatePage, translator, withDetail, type MessageKey } from './i18n';
import { JanusRoom } from './janus-room';
import { joinTokenFromPath } from './join-token';
import { forgetJoin, rememberedJoin, rememberJoin, type RememberedJoin } from './remembered-join';
import { VideoTracks } from './video-tracks';

// Before anything else: the page speaks the customer's language from its first paint on.
const language = chooseLanguage(location.search, navigator.languages.length > 0 ? navigator.languages : [navigator.language]);
const t = translator(language);
translatePage(document, language, t);

const POLL_MS = 2000;
/** A waiting customer asks more often: being let in should feel immediate. */
const LOBBY_POLL_MS = 1000;

/** `ended`: the call is over; `left`: this person left a call that may go on for the others. */
type CallPhase = 'waiting' | 'joined' | 'connected' | 'ended' | 'left' | 'failed' | 'removed';

const statusLine = byId('call-status', HTMLElement);
const alert = byId('call-error', HTMLElement);
const warning = byId('call-warning', HTMLElement);
const meetingType = byId('call-meeting-type', HTMLElement);
const recordingIndicator = byId('recording-indicator', HTMLElement);
const recordingWhat = byId('recording-what', HTMLElement);
const recordingAnnouncement = byId('recording-announcement', HTMLElement);
const transportSecurity = byId('transport-security', HTMLElement);
const e2eePanel = byId('e2ee', HTMLElement);
const safetyCode = byId('safety-code', HTMLElement);
const lobby = byId('lobby', HTMLElement);
const lobbyText = byId('lobby-text', HTMLElement);
const joinButton = byId('join-call', HTMLButtonElement);
const lobbyWaiting = byId('lobby-waiting', HTMLElement);
const leaveLobbyButton = byId('leave-lobby', HTMLButtonElement);
const waitingRoom = byId('waiting-room', HTMLElement);
const admitButton = byId('admit', HTMLButtonElement);
const turnAwayButton = byId('turn-away', HTMLButtonElement);
const removeButton = byId('remove-customer', HTMLButtonElement);
const roomLocked = byId('room-locked', HTMLElement);
const stage = byId('stage', HTMLElement);
const hangUpButton = byId('hang-up', HTMLButtonElement);
const recordingToggle = byId('recording-toggle', HTMLButtonElement);
const recordingHint = byId('recording-hint', HTMLElement);
const remoteVideo = byId('remote-video', HTMLVideoElement);
const remote = new VideoTracks(remoteVideo);
// Our own audio is never played back locally: it would echo.
const local = new VideoTracks(byId('local-video', HTMLVideoElement), (track) => track.kind === 'video');

const RECORDING_TEXT = {
  required: 'policyRequired',
  optional: 'policyOptional',
  forbidden: 'policyForbidden',
} as const satisfies Record<JoinResponse['call']['recordingPolicy'], MessageKey>;

/** What applies to this call: nothing is recorded while the account's recording is switched off. */
function recordingPolicyOf(call: JoinResponse['call']): JoinResponse['call']['recordingPolicy'] {
  return call.accountRecordingOff ? 'forbidden' : call.recordingPolicy;
}

/** Errors that retrying the same link cannot fix. */
const FINAL_JOIN_ERRORS = new Set(['TOKEN_EXPIRED', 'TOKEN_USED', 'TOKEN_NOT_FOUND', 'CALL_ENDED', 'PARTICIPANT_REMOVED']);

/** The link, or the call session a reload kept, cannot take this person into the call any more. */
const joinIsOver = (error: unknown): boolean => error instanceof ApiError && (error.status === 401 || FINAL_JOIN_ERRORS.has(error.code));

const REMOVED_TEXT = { lobby: 'removedLobby', call: 'removedCall' } as const satisfies Record<string, MessageKey>;

const token = joinTokenFromPath(location.pathname);
/** This tab was in the call before a reload: its session, kept until the call is over for it. */
let remembered = token === null ? null : rememberedJoin(sessionStorage, token);
let joined: JoinResponse | null = null;
/** Set before the link is redeemed when the call is end-to-end encrypted: how this browser encrypts. */
let e2eeMethod: E2eeMethod | null = null;
let room: JanusRoom | null = null;
let stopPolling: (() => void) | null = null;
let presenceSent = false;
let phase: CallPhase | null = null;
/** The agent's page: the customer's participant id, from the last view of the call. */
let customerId: string | null = null;
/** The subscription to the other participant is up; frames may still be on their way. */
let remoteLinkUp = false;
/** Whether the call was being recorded when last looked at; null before the first look. */
let recordingWas: boolean | null = null;

function setPhase(next: CallPhase, status: MessageKey): void {
  phase = next;
  document.body.dataset.callState = next;
  statusLine.textContent = t(status);
}

/** Every alert on this page: in the page's language, with the request id support can look up. */
function showProblem(error: unknown): void {
  showAlert(alert, describeCallError(error, t), (id) => t('errorReference', { id }));
}

/** True once the other participant can actually be seen (or, without video, heard). */
function remoteMediaArrived(): boolean {
  const stream = remoteVideo.srcObject;
  if (!(stream instanceof MediaStream) || stream.getTracks().length === 0) return false;
  if (stream.getVideoTracks().length > 0) return remoteVideo.videoWidth > 0;
  return !remoteVideo.paused && remoteVideo.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA;
}

/** "Connected" means media arrived, not merely that the link is up: that is what the user notices. */
function updateConnected(): void {
  if (phase !== 'joined' && phase !== 'connected') return;
  const listening = joined?.role === 'supervisor';
  if (remoteLinkUp && remoteMediaArrived()) {
    if (phase !== 'connected') setPhase('connected', listening ? 'statusListening' : 'statusConnected');
  } else if (!remoteLinkUp && phase === 'connected') {
    setPhase('joined', listening ? 'statusListeningWaiting' : 'statusWaitingOther');
  }
}

for (const event of ['loadeddata', 'resize', 'playing']) remoteVideo.addEventListener(event, updateConnected);

function showWarning(message: string): void {
  warning.textContent = message;
  warning.hidden = false;
}

function callPath(suffix = ''): string {
  if (!joined) throw new Error('Not in a call');
  return `/api/calls/${encodeURIComponent(joined.call.id)}${suffix}`;
}

function sendPresence(event: PresenceRequest['event'], keepalive = false): Promise<unknown> {
  if (!joined) return Promise.resolve();
  return api(callPath('/presence'), { method: 'POST', body: { event }, token: joined.session, keepalive });
}

/**
 * Local teardown; the server side is told separately (end or presence). Only a lost connection
 * (`failed` with the call still running) keeps the way back in for a reload of the page.
 */
function leave(status: MessageKey, next: CallPhase = 'ended', callOver = next !== 'failed'): void {
  if (callOver && token !== null) forgetJoin(sessionStorage, token);
  stopPolling?.();
  stopPolling = null;
  room?.leave();
  room = null;
  remoteLinkUp = false;
  remote.clear();
  local.clear();
  stage.hidden = true;
  hangUpButton.hidden = true;
  recordingIndicator.hidden = true;
  transportSecurity.hidden = true;
  showEncryption({ active: false, safetyCode: null });
  recordingToggle.hidden = true;
  waitingRoom.hidden = true;
  removeButton.hidden = true;
  roomLocked.hidden = true;
  lobbyWaiting.hidden = true;
  warning.hidden = true;
  setPhase(next, status);
  // The button that had the focus is gone: the keyboard and the screen reader go on at the status.
  if (!document.activeElement || document.activeElement === document.body || (document.activeElement as HTMLElement).closest('[hidden]')) {
    statusLine.focus();
  }
}

/** The agent took this customer out (or never let them in): nothing on this page can bring them back. */
function removed(from: keyof typeof REMOVED_TEXT): void {
  if (phase === 'removed') return;
  leave(REMOVED_TEXT[from], 'removed');
  clearError(alert);
  lobby.hidden = true;
}

/** Buttons that change the call; status polls that may predate their change are not shown. */
const actions = new ActionGate();

function watchCall(): void {
  stopPolling?.();
  let fresh = () => true;
  // Once stopped (we left), a late answer is dropped: it must not bring the indicator back.
  stopPolling = pollShowingFailures(
    () => {
      fresh = actions.ask();
      return api<CallResponse>(callPath(), { token: joined?.session });
    },
    ({ call }) => {
      // Possibly older than a button's change: the button's own answer, or the next poll, shows the call.
      if (!fresh()) return;
      showRecording(call);
      showAdmission(call);
      if (isOver(call)) leave(endStatus(call), call.state === 'failed' ? 'failed' : 'ended', true);
    },
    POLL_MS,
    {
      failed: (error) => (isRemoval(error) ? removed('call') : showProblem(error)),
      recovered: () => clearError(alert),
    },
  );
}

/**
 * Where recording is optional, the agent switches it (the server refuses without
 * the customer's consent) and the customer can stop it at any moment: stopping is
 * withdrawing consent, and it is as easy as giving it was.
 */
function showRecording(call: CallResponse['call']): void {
  recordingIndicator.hidden = !call.recording.active;
  announceRecording(call.recording.active);
  // Say what is kept: an audio-only meeting type never keeps video, whatever the cameras send.
  recordingWhat.textContent = t(joined?.call.media === 'audio' ? 'recordingAudioOnly' : 'recordingAudioVideo');
  // The call as it is now: an admin may have switched the account's recording since the join.
  const optional = !call.recording.accountRecordingOff && call.meetingType.recordingPolicy === 'optional';
  const running = call.state === 'active';
  recordingStartBlocked = null;
  if (joined?.role === 'agent') {
    recordingToggle.hidden = !(optional && running);
    recordingToggle.textContent = t(call.recording.active ? 'stopRecording' : 'startRecording');
    // Offered only when the server would start it: a customer who said no, withdrew or was never asked is not recorded.
    if (optional && running && !call.recording.active) recordingStartBlocked = START_BLOCKED_BY[call.recording.customerConsent];
  } else if (joined?.role === 'customer') {
    recordingToggle.hidden = !(optional && running && call.recording.active);
    recordingToggle.textContent = t('stopRecording');
  } else {
    recordingToggle.hidden = true;
  }
  recordingToggle.dataset.recording = String(call.recording.active);
  recordingToggle.disabled = recordingStartBlocked !== null;
  recordingHint.hidden = recordingStartBlocked === null;
  recordingHint.textContent = recordingStartBlocked ? t(recordingStartBlocked) : '';
}

/**
 * The indicator appears and disappears silently for a screen reader: say it in a polite live
 * region. Joining a call that is already recorded counts as a start; nothing is said otherwise.
 */
function announceRecording(active: boolean): void {
  const changed = recordingWas === null ? active : active !== recordingWas;
  recordingWas = active;
  if (!changed) return;
  const audioOnly = joined?.call.media === 'audio';
  recordingAnnouncement.textContent = t(!active ? 'announceRecordingStopped' : audioOnly ? 'announceRecordingAudio' : 'announceRecordingAudioVideo');
}

/** Why the agent cannot start an optional recording, by the customer's answer; null where nothing stands in the way. */
const START_BLOCKED_BY = {
  granted: null,
  not_needed: null,
  declined: 'recordingHintDeclined',
  withdrawn: 'recordingHintWithdrawn',
  pending: 'recordingHintNotAsked',
} as const satisfies Record<CallResponse['call']['recording']['customerConsent'], MessageKey | null>;
let recordingStartBlocked: (typeof START_BLOCKED_BY)[keyof typeof START_BLOCKED_BY] = null;

async function toggleRecording(): Promise<void> {
  if (!joined) return;
  const on = recordingToggle.dataset.recording !== 'true';
  recordingToggle.disabled = true;
  try {
    const session = joined.session;
    const { call } = await actions.run(() => api<CallResponse>(callPath('/recording'), { method: 'POST', body: { on }, token: session }));
    clearError(alert);
    showRecording(call);
  } catch (error) {
    showProblem(error);
  } finally {
    recordingToggle.disabled = recordingStartBlocked !== null;
  }
}

/** The agent sees who waits in the lobby and may remove the customer; both see that the room is locked. */
function showAdmission(call: CallResponse['call']): void {
  roomLocked.hidden = !call.locked;
  if (joined?.role !== 'agent') return;
  const customer = call.participants.find((p) => p.role === 'customer');
  customerId = customer?.id ?? null;
  // A customer who left the waiting room cannot come back on the same link: nobody waits any more.
  const waiting = customer?.admission === 'waiting' && customer.leftAt === null;
  if (!waiting && customer?.admission === 'waiting' && !waitingRoom.hidden) showWarning(t('customerLeftLobby'));
  waitingRoom.hidden = !waiting;
  removeButton.hidden = customer?.admission !== 'admitted';
}

/** Let in, turn away or remove: each answers with the call, which the view shows at once. */
async function controlCustomer(action: 'admit' | 'remove', button: HTMLButtonElement): Promise<void> {
  if (!joined || !customerId) return;
  button.disabled = true;
  try {
    const path = callPath(`/participants/${encodeURIComponent(customerId)}/${action}`);
    const session = joined.session;
    const after = await actions.run(() => api<CallResponse>(path, { method: 'POST', token: session }));
    clearError(alert);
    showAdmission(after.call);
  } catch (error) {
    showProblem(error);
  } finally {
    button.disabled = false;
  }
}

/** Claims end-to-end encryption only when the encryption layer says every sender and receiver is under agreed keys. */
function showEncryption(state: EncryptionState): void {
  const active = state.active && state.safetyCode !== null;
  safetyCode.textContent = active ? state.safetyCode!.join(' ') : '';
  e2eePanel.hidden = !active;
}

function startMedia(join: JoinResponse, media: MediaGrant): void {
  const withVideo = join.call.media === 'audio+video';
  stage.classList.toggle('is-audio-only', !withVideo);
  let current: JanusRoom | null = null;
  const encryption = e2eeMethod
    ? new MediaEncryption(e2eeMethod, {
        state: (state) => {
          if (room === current) showEncryption(state);
        },
        failed: (message) => {
          if (room === current) void mediaFailed(new LocalizedError('e2eeFailed', message));
        },
      })
    : null;
  current = new JanusRoom(media, join.role, withVideo, {
    joined: () => {
      if (join.role !== 'supervisor') return setPhase('joined', 'statusWaitingOther');
      setPhase('joined', 'statusListening');
      if (presenceSent) return;
      presenceSent = true;
      sendPresence('joined').catch(showProblem);
    },
    published: () => {
      void showTransportSecurity(started);
      if (presenceSent) return;
      presenceSent = true;
      sendPresence('joined').catch(showProblem);
    },
    localTrack: (track, on) => local.update(track, on),
    remoteTrack: (track, on) => {
      remote.update(track, on);
      updateConnected();
    },
    remoteConnected: (up) => {
      remoteLinkUp = up;
      updateConnected();
    },
    warning: (key, detail) => showWarning(withDetail(t(key), detail)),
    failed: (key, detail) => void mediaFailed(new LocalizedError(key, detail)),
    roomClosed: () => void roomClosed(),
    removed: () => removed('call'),
  }, encryption);
  const started = current;
  room = started;
  started.connect().catch((error: unknown) => {
    // A connect that fails after the user left, or after a reconnect replaced it, is old news.
    if (room === started) disconnected(error);
  });
}

/** The server destroyed the room, so the call is over: say why, as the server tells it. */
async function roomClosed(): Promise<void> {
  const status = await api<CallResponse>(callPath(), { token: joined?.session }).then(
    ({ call }) => (isOver(call) ? endStatus(call) : 'callEnded'),
    (): MessageKey => 'callEnded',
  );
  // Already gone another way (a poll saw the end first, or the user left): nothing to add.
  if (phase === 'ended' || phase === 'left' || phase === 'removed') return;
  leave(status);
}

/**
 * Ending a call tears the room down and revokes our media token, which the
 * gateway connection reports as a failure: ask the server which it was.
 */
async function mediaFailed(error: Error): Promise<void> {
  try {
    const { call } = await api<CallResponse>(callPath(), { token: joined?.session });
    if (call.state === 'ended' || call.state === 'failed') {
      leave(endStatus(call));
      return;
    }
  } catch (failure) {
    if (isRemoval(failure)) return removed('call');
    // Otherwise the server is unreachable too: treat it as a lost connection.
  }
  // Left, removed or ended while we asked: there is nothing to reconnect to.
  if (phase === 'ended' || phase === 'left' || phase === 'removed') return;
  disconnected(error);
}

function isOver(call: CallResponse['call']): boolean {
  return call.state === 'ended' || call.state === 'failed';
}

function endStatus(call: CallResponse['call']): MessageKey {
  if (call.endReason === 'media_server_lost') return 'callCutOff';
  if (call.endReason === 'expired_unjoined') return 'callExpired';
  if (call.endReason === 'customer_declined') return 'customerDeclined';
  if (call.endReason === 'recording_unavailable') return 'recordingUnavailable';
  return 'callEnded';
}

/**
 * After losing media, keep asking whether the call itself is over: a call whose video server
 * died is ended by the backend, and offering to reconnect to it would only fail again.
 */
function watchForEnd(): void {
  stopPolling = poll(
    async () => {
      const { call } = await api<CallResponse>(callPath(), { token: joined?.session });
      if (stopPolling === null || !isOver(call)) return;
      clearError(alert);
      lobby.hidden = true;
      leave(endStatus(call), call.state === 'failed' ? 'failed' : 'ended', true);
    },
    POLL_MS,
    () => undefined,
  );
}

/**
 * Says how the media is protected only after the browser itself reports it: DTLS finished and an
 * SRTP cipher in use. Anything else is shown as a warning, never as "encrypted".
 */
async function showTransportSecurity(current: JanusRoom): Promise<void> {
  const security = await current.transportSecurity().catch(() => null);
  if (room !== current) return;
  if (security?.dtlsState === 'connected' && security.srtpCipher) {
    transportSecurity.textContent = t('transportEncrypted', { cipher: security.srtpCipher });
    transportSecurity.hidden = false;
  } else {
    showWarning(t('transportUnconfirmed'));
  }
}

/** Media failed but the call may go on: offer to reconnect with the credentials we hold. */
function disconnected(error: unknown): void {
  showProblem(error);
  if (presenceSent) void sendPresence('left').catch(() => {});
  presenceSent = false;
  leave('statusDisconnected', 'failed');
  joinButton.textContent = t('reconnect');
  lobbyText.textContent = t('lobbyTextReconnect');
  joinButton.disabled = false;
  lobby.hidden = false;
  watchForEnd();
  // Lost because the browser went offline: go back in by itself once it is online again, as the
  // person would by pressing Reconnect (they had not chosen to leave).
  if (!navigator.onLine) window.addEventListener('online', reconnectWhenOnline, { once: true });
}

function reconnectWhenOnline(): void {
  if (phase === 'failed' && !joinButton.disabled && !lobby.hidden) joinButton.click();
}

function enterCall(join: JoinResponse): void {
  if (!join.media) return waitToBeLetIn(join);
  clearError(alert);
  lobby.hidden = true;
  stage.hidden = false;
  hangUpButton.hidden = false;
  hangUpButton.disabled = false;
  // The Join button that had the focus is hidden with the lobby: Hang up is the control now.
  hangUpButton.focus();
  statusLine.textContent = t('statusConnecting');
  watchCall();
  startMedia(join, join.media);
}

/** The meeting type has a lobby: nothing is shared, and no camera is on, until the agent lets this customer in. */
function waitToBeLetIn(join: JoinResponse): void {
  lobby.hidden = true;
  lobbyWaiting.hidden = false;
  setPhase('waiting', 'statusWaitingAdmission');
  stopPolling?.();
  stopPolling = pollShowingFailures(
    () => api<AdmissionResponse>(callPath('/admission'), { token: join.session }),
    (answer) => {
      if (answer.admission !== 'admitted' || !answer.media) return;
      stopPolling?.();
      stopPolling = null;
      join.media = answer.media;
      enterCall(join);
    },
    LOBBY_POLL_MS,
    {
      failed: (error) => {
        if (isRemoval(error)) return removed('lobby');
        if (error instanceof ApiError && error.code === 'CALL_ENDED') return leave('callEnded');
        showProblem(error);
      },
      recovered: () => clearError(alert),
    },
  );
}

/** The waiting customer changed their mind: stop asking to be let in, and tell the agent. */
async function leaveWaitingRoom(): Promise<void> {
  if (!joined || phase !== 'waiting') return;
  leaveLobbyButton.disabled = true;
  statusLine.textContent = t('statusLeavingLobby');
  const outcome = await hangUp('leave', {
    // Stopped first: an admission arriving now must not switch the camera on.
    stopLocally: () => {
      stopPolling?.();
      stopPolling = null;
    },
    tellServer: () => sendPresence('left'),
  });
  leaveLobbyButton.disabled = false;
  if (outcome.kind === 'removed') return removed('lobby');
  if (outcome.kind === 'failed') {
    showProblem(outcome.error);
    statusLine.textContent = t('statusLeaveLobbyUnsent');
    return;
  }
  clearError(alert);
  leave('leftLobby', 'left');
}

async function join(token: string): Promise<void> {
  clearError(alert);
  joinButton.disabled = true;
  statusLine.textContent = t('statusConnecting');
  try {
    const { e2ee } = await api<{ e2ee: boolean }>('/api/join-encryption', { method: 'POST', body: { token } });
    // Said before the link is redeemed: it stays unspent for another browser.
    if (!browserCanJoin(e2ee)) return;
    joined = await api<JoinResponse>(`/api/join/${encodeURIComponent(token)}`, { method: 'POST' });
    rememberJoin(sessionStorage, token, joined, e2ee);
  } catch (error) {
    joinRefused(error);
    return;
  }
  showMeetingType(joined);
  enterCall(joined);
}

/** An end-to-end encrypted call needs a browser that can encrypt; otherwise say so and offer nothing. */
function browserCanJoin(e2ee: boolean): boolean {
  if (!e2ee) return true;
  e2eeMethod = detectE2eeSupport();
  if (e2eeMethod) return true;
  showProblem(new LocalizedError('e2eeUnsupported'));
  statusLine.textContent = t('statusCannotJoin');
  lobby.hidden = true;
  return false;
}

/** Back on this page after a reload: the link is spent, the call session it gave is not. */
async function resume(token: string, saved: RememberedJoin): Promise<void> {
  clearError(alert);
  joinButton.disabled = true;
  statusLine.textContent = t('statusConnecting');
  if (!browserCanJoin(saved.e2ee)) return;
  try {
    // Where this person stands now, and fresh media credentials: a reload may follow a removal, an end or a lobby.
    const path = `/api/calls/${encodeURIComponent(saved.call.id)}/admission`;
    const { admission, media } = await api<AdmissionResponse>(path, { token: saved.session });
    joined = { session: saved.session, role: saved.role, call: saved.call, admission, media };
  } catch (error) {
    // The session lapsed or the call is over for this person: the page is back to a spent link.
    if (joinIsOver(error)) {
      forgetJoin(sessionStorage, token);
      remembered = null;
    }
    if (isRemoval(error)) return removed('call');
    joinRefused(error);
    return;
  }
  showMeetingType(joined);
  enterCall(joined);
}

function joinRefused(error: unknown): void {
  showProblem(error);
  const final = joinIsOver(error);
  statusLine.textContent = t(final ? 'statusLinkSpent' : 'statusReady');
  joinButton.disabled = final;
  lobby.hidden = final;
}

function showMeetingType(join: JoinResponse): void {
  meetingType.textContent = `${join.call.meetingTypeName} · ${t(RECORDING_TEXT[recordingPolicyOf(join.call)])}`;
  meetingType.hidden = false;
}

/**
 * The agent ends the call for everyone, and the page leaves it only once the server did; anyone
 * else leaves at once and is told so once the server knows (see hang-up.ts). Either way a failed
 * request keeps the button, so pressing it again retries.
 */
async function onHangUp(): Promise<void> {
  if (!joined) return;
  const session = joined.session;
  const agent = joined.role === 'agent';
  hangUpButton.disabled = true;
  if (agent) statusLine.textContent = t('statusEnding');
  const outcome = await hangUp(agent ? 'end-for-everyone' : 'leave', {
    stopLocally: () => (agent ? leave('callEnded') : leave('statusLeavingCall', 'left')),
    tellServer: () => (agent ? api(callPath('/end'), { method: 'POST', token: session }) : sendPresence('left')),
  });
  hangUpButton.disabled = false;
  if (outcome.kind === 'removed') return removed('call');
  if (outcome.kind === 'failed') {
    // Over already (the room closed, or the watch saw the end): there is nothing left to retry.
    if (agent && (phase === 'ended' || phase === 'failed' || phase === 'removed')) return;
    showProblem(outcome.error);
    if (agent) {
      statusLine.textContent = t('statusEndFailed');
    } else {
      setPhase('left', 'statusLeaveCallUnsent');
      hangUpButton.hidden = false;
    }
    return;
  }
  clearError(alert);
  if (agent) return;
  presenceSent = false;
  setPhase('left', 'leftCall');
}

if (token === null) {
  joinButton.disabled = true;
  showProblem(new LocalizedError('linkIncomplete'));
} else {
  if (remembered) {
    joinButton.textContent = t('rejoin');
    lobbyText.textContent = t('lobbyTextRejoin');
  }
  // The token is single-use: after a media failure, reconnect with the session we already hold;
  // after a reload, with the session this tab remembered.
  joinButton.addEventListener('click', () => {
    window.removeEventListener('online', reconnectWhenOnline);
    if (joined) return enterCall(joined);
    if (remembered) return void resume(token, remembered);
    void join(token);
  });
}
hangUpButton.addEventListener('click', () => void onHangUp());
leaveLobbyButton.addEventListener('click', () => void leaveWaitingRoom());
recordingToggle.addEventListener('click', () => void toggleRecording());
admitButton.addEventListener('click', () => void controlCustomer('admit', admitButton));
turnAwayButton.addEventListener('click', () => void controlCustomer('remove', turnAwayButton));
removeButton.addEventListener('click', () => void controlCustomer('remove', removeButton));

window.addEventListener('pagehide', () => {
  // Closing the tab is leaving (or finishes a leave the server did not hear of): tell it while the page can still send.
  if (presenceSent && phase !== 'ended' && phase !== 'failed') void sendPresence('left', true).catch(() => {});
});
