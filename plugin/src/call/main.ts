import { api, ApiError } from '../api';
import type { AdmissionResponse, CallResponse, JoinResponse, MediaGrant, PresenceRequest } from '../api-types';
import { byId, clearError, showError } from '../dom';
import { poll } from '../poll';
import { detectE2eeSupport, MediaEncryption, type E2eeMethod, type EncryptionState } from './e2ee/media-encryption';
import { JanusRoom } from './janus-room';
import { joinTokenFromPath } from './join-token';
import { VideoTracks } from './video-tracks';

const POLL_MS = 2000;
/** A waiting customer asks more often: being let in should feel immediate. */
const LOBBY_POLL_MS = 1000;

type CallPhase = 'waiting' | 'joined' | 'connected' | 'ended' | 'failed' | 'removed';

const statusLine = byId('call-status', HTMLElement);
const alert = byId('call-error', HTMLElement);
const warning = byId('call-warning', HTMLElement);
const meetingType = byId('call-meeting-type', HTMLElement);
const recordingIndicator = byId('recording-indicator', HTMLElement);
const recordingWhat = byId('recording-what', HTMLElement);
const transportSecurity = byId('transport-security', HTMLElement);
const e2eePanel = byId('e2ee', HTMLElement);
const safetyCode = byId('safety-code', HTMLElement);
const lobby = byId('lobby', HTMLElement);
const lobbyText = byId('lobby-text', HTMLElement);
const joinButton = byId('join-call', HTMLButtonElement);
const waitingRoom = byId('waiting-room', HTMLElement);
const admitButton = byId('admit', HTMLButtonElement);
const turnAwayButton = byId('turn-away', HTMLButtonElement);
const removeButton = byId('remove-customer', HTMLButtonElement);
const roomLocked = byId('room-locked', HTMLElement);
const stage = byId('stage', HTMLElement);
const hangUpButton = byId('hang-up', HTMLButtonElement);
const recordingToggle = byId('recording-toggle', HTMLButtonElement);
const remoteVideo = byId('remote-video', HTMLVideoElement);
const remote = new VideoTracks(remoteVideo);
// Our own audio is never played back locally: it would echo.
const local = new VideoTracks(byId('local-video', HTMLVideoElement), (track) => track.kind === 'video');

const RECORDING_TEXT = {
  required: 'Recorded',
  optional: 'Recorded only while the indicator shows',
  forbidden: 'Not recorded',
} as const;

/** What applies to this call: nothing is recorded while the account's recording is switched off. */
function recordingPolicyOf(call: JoinResponse['call']): JoinResponse['call']['recordingPolicy'] {
  return call.accountRecordingOff ? 'forbidden' : call.recordingPolicy;
}

/** Errors that retrying the same link cannot fix. */
const FINAL_JOIN_ERRORS = new Set(['TOKEN_EXPIRED', 'TOKEN_USED', 'TOKEN_NOT_FOUND', 'CALL_ENDED', 'PARTICIPANT_REMOVED']);

const REMOVED_TEXT = {
  lobby: 'The agent did not let you into this call. If you think this is a mistake, contact them the way you reached them before.',
  call: 'The agent removed you from this call.',
} as const;

const isRemoval = (error: unknown) => error instanceof ApiError && error.code === 'PARTICIPANT_REMOVED';

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

function setPhase(next: CallPhase, status: string): void {
  phase = next;
  document.body.dataset.callState = next;
  statusLine.textContent = status;
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
    if (phase !== 'connected') setPhase('connected', listening ? 'Listening silently: the agent and the customer do not see or hear you' : 'Connected');
  } else if (!remoteLinkUp && phase === 'connected') {
    setPhase('joined', listening ? 'Listening silently: waiting for the call to start' : 'Waiting for the other person…');
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

/** Local teardown; the server side is told separately (end or presence). */
function leave(status: string, next: CallPhase = 'ended'): void {
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
  warning.hidden = true;
  setPhase(next, status);
}

/** The agent took this customer out (or never let them in): nothing on this page can bring them back. */
function removed(from: keyof typeof REMOVED_TEXT): void {
  if (phase === 'removed') return;
  leave(REMOVED_TEXT[from], 'removed');
  clearError(alert);
  lobby.hidden = true;
}

function watchCall(): void {
  let pollFailed = false;
  stopPolling?.();
  stopPolling = poll(
    async () => {
      const { call } = await api<CallResponse>(callPath(), { token: joined?.session });
      // The answer may arrive after we already left; it must not bring the indicator back.
      if (stopPolling === null) return;
      if (pollFailed) clearError(alert);
      pollFailed = false;
      showRecording(call);
      showAdmission(call);
      if (isOver(call)) leave(endStatus(call), call.state === 'failed' ? 'failed' : 'ended');
    },
    POLL_MS,
    (error) => {
      if (isRemoval(error)) return removed('call');
      pollFailed = true;
      showError(alert, error);
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
  // Say what is kept: an audio-only meeting type never keeps video, whatever the cameras send.
  recordingWhat.textContent = joined?.call.media === 'audio' ? 'Recording audio only' : 'Recording audio and video';
  const optional = joined ? recordingPolicyOf(joined.call) === 'optional' : false;
  const running = call.state === 'active';
  if (joined?.role === 'agent') {
    recordingToggle.hidden = !(optional && running);
    recordingToggle.textContent = call.recording.active ? 'Stop recording' : 'Start recording';
  } else if (joined?.role === 'customer') {
    recordingToggle.hidden = !(optional && running && call.recording.active);
    recordingToggle.textContent = 'Stop recording';
  } else {
    recordingToggle.hidden = true;
  }
  recordingToggle.dataset.recording = String(call.recording.active);
}

async function toggleRecording(): Promise<void> {
  if (!joined) return;
  const on = recordingToggle.dataset.recording !== 'true';
  recordingToggle.disabled = true;
  try {
    const { call } = await api<CallResponse>(callPath('/recording'), { method: 'POST', body: { on }, token: joined.session });
    clearError(alert);
    showRecording(call);
  } catch (error) {
    showError(alert, error);
  } finally {
    recordingToggle.disabled = false;
  }
}

/** The agent sees who waits in the lobby and may remove the customer; both see that the room is locked. */
function showAdmission(call: CallResponse['call']): void {
  roomLocked.hidden = !call.locked;
  if (joined?.role !== 'agent') return;
  const customer = call.participants.find((p) => p.role === 'customer');
  customerId = customer?.id ?? null;
  waitingRoom.hidden = customer?.admission !== 'waiting';
  removeButton.hidden = customer?.admission !== 'admitted';
}

/** Let in, turn away or remove: each answers with the call, which the view shows at once. */
async function controlCustomer(action: 'admit' | 'remove', button: HTMLButtonElement): Promise<void> {
  if (!joined || !customerId) return;
  button.disabled = true;
  try {
    const after = await api<CallResponse>(callPath(`/participants/${encodeURIComponent(customerId)}/${action}`), {
      method: 'POST',
      token: joined.session,
    });
    clearError(alert);
    showAdmission(after.call);
  } catch (error) {
    showError(alert, error);
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
          if (room === current) void mediaFailed(new Error(message));
        },
      })
    : null;
  current = new JanusRoom(media, join.role, withVideo, {
    joined: () => {
      if (join.role !== 'supervisor') return setPhase('joined', 'Waiting for the other person…');
      setPhase('joined', 'Listening silently: the agent and the customer do not see or hear you');
      if (presenceSent) return;
      presenceSent = true;
      sendPresence('joined').catch((error: unknown) => showError(alert, error));
    },
    published: () => {
      void showTransportSecurity(started);
      if (presenceSent) return;
      presenceSent = true;
      sendPresence('joined').catch((error: unknown) => showError(alert, error));
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
    warning: showWarning,
    failed: (message) => void mediaFailed(new Error(message)),
    roomClosed: () => leave('Call ended'),
    removed: () => removed('call'),
  }, encryption);
  const started = current;
  room = started;
  started.connect().catch((error: unknown) => {
    // A connect that fails after the user left, or after a reconnect replaced it, is old news.
    if (room === started) disconnected(error);
  });
}

/**
 * Ending a call tears the room down and revokes our media token, which the
 * gateway connection reports as a failure: ask the server which it was.
 */
async function mediaFailed(error: Error): Promise<void> {
  try {
    const { call } = await api<CallResponse>(callPath(), { token: joined?.session });
    if (call.state === 'ended' || call.state === 'failed') {
      leave('Call ended');
      return;
    }
  } catch (failure) {
    if (isRemoval(failure)) return removed('call');
    // Otherwise the server is unreachable too: treat it as a lost connection.
  }
  if (phase === 'ended') return;
  disconnected(error);
}

function isOver(call: CallResponse['call']): boolean {
  return call.state === 'ended' || call.state === 'failed';
}

function endStatus(call: CallResponse['call']): string {
  if (call.endReason === 'media_server_lost') return 'The call was cut off: the video server failed';
  if (call.endReason === 'expired_unjoined') return 'This call expired before it started';
  return 'Call ended';
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
      leave(endStatus(call), call.state === 'failed' ? 'failed' : 'ended');
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
    transportSecurity.textContent = `Encrypted in transit (DTLS-SRTP, ${security.srtpCipher})`;
    transportSecurity.hidden = false;
  } else {
    showWarning('Could not confirm that this call is encrypted in transit.');
  }
}

/** Media failed but the call may go on: offer to reconnect with the credentials we hold. */
function disconnected(error: unknown): void {
  showError(alert, error);
  if (presenceSent) void sendPresence('left').catch(() => {});
  presenceSent = false;
  leave('Disconnected', 'failed');
  joinButton.textContent = 'Reconnect';
  lobbyText.textContent = 'Your camera and microphone are off. Reconnect to continue the call.';
  joinButton.disabled = false;
  lobby.hidden = false;
  watchForEnd();
}

function enterCall(join: JoinResponse): void {
  if (!join.media) return waitToBeLetIn(join);
  clearError(alert);
  lobby.hidden = true;
  stage.hidden = false;
  hangUpButton.hidden = false;
  hangUpButton.disabled = false;
  statusLine.textContent = 'Connecting…';
  watchCall();
  startMedia(join, join.media);
}

/** The meeting type has a lobby: nothing is shared, and no camera is on, until the agent lets this customer in. */
function waitToBeLetIn(join: JoinResponse): void {
  lobby.hidden = true;
  setPhase('waiting', 'Waiting for the agent to let you in…');
  stopPolling?.();
  stopPolling = poll(
    async () => {
      const answer = await api<AdmissionResponse>(callPath('/admission'), { token: join.session });
      if (stopPolling === null || answer.admission !== 'admitted' || !answer.media) return;
      stopPolling();
      stopPolling = null;
      join.media = answer.media;
      enterCall(join);
    },
    LOBBY_POLL_MS,
    (error) => {
      if (isRemoval(error)) return removed('lobby');
      if (error instanceof ApiError && error.code === 'CALL_ENDED') return leave('Call ended');
      showError(alert, error);
    },
  );
}

/** An end-to-end encrypted call in a browser that cannot encrypt: say so, and keep the link unspent for another browser. */
const E2EE_UNSUPPORTED =
  'This call is end-to-end encrypted, and this browser cannot encrypt calls. Open the same link in a current Chrome, Edge, Firefox or Safari.';

async function join(token: string): Promise<void> {
  clearError(alert);
  joinButton.disabled = true;
  statusLine.textContent = 'Connecting…';
  try {
    const { e2ee } = await api<{ e2ee: boolean }>('/api/join-encryption', { method: 'POST', body: { token } });
    if (e2ee) {
      e2eeMethod = detectE2eeSupport();
      if (!e2eeMethod) {
        showError(alert, new Error(E2EE_UNSUPPORTED));
        statusLine.textContent = 'This browser cannot join this call';
        lobby.hidden = true;
        return;
      }
    }
    joined = await api<JoinResponse>(`/api/join/${encodeURIComponent(token)}`, { method: 'POST' });
  } catch (error) {
    showError(alert, error);
    const final = error instanceof ApiError && FINAL_JOIN_ERRORS.has(error.code);
    statusLine.textContent = final ? 'This link can no longer be used' : 'Ready to join';
    joinButton.disabled = final;
    lobby.hidden = final;
    return;
  }
  meetingType.textContent = `${joined.call.meetingTypeName} · ${RECORDING_TEXT[recordingPolicyOf(joined.call)]}`;
  meetingType.hidden = false;
  enterCall(joined);
}

async function hangUp(): Promise<void> {
  if (!joined) return;
  // Camera and microphone stop first; telling the server may take a moment or fail.
  leave('Call ended');
  try {
    if (joined.role === 'agent') await api(callPath('/end'), { method: 'POST', token: joined.session });
    else await sendPresence('left');
  } catch (error) {
    showError(alert, error);
  }
}

const token = joinTokenFromPath(location.pathname);
if (token === null) {
  joinButton.disabled = true;
  showError(alert, new Error('This call link is incomplete. Open the full link you were sent.'));
} else {
  // The token is single-use: after a media failure, reconnect with the session we already hold.
  joinButton.addEventListener('click', () => (joined ? enterCall(joined) : void join(token)));
}
hangUpButton.addEventListener('click', () => void hangUp());
recordingToggle.addEventListener('click', () => void toggleRecording());
admitButton.addEventListener('click', () => void controlCustomer('admit', admitButton));
turnAwayButton.addEventListener('click', () => void controlCustomer('remove', turnAwayButton));
removeButton.addEventListener('click', () => void controlCustomer('remove', removeButton));

window.addEventListener('pagehide', () => {
  // Closing the tab is leaving: tell the server while the page can still send.
  if (presenceSent && phase !== 'ended' && phase !== 'failed') void sendPresence('left', true).catch(() => {});
});
