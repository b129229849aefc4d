import { api, ApiError } from '../api';
import type { CallResponse, JoinResponse, PresenceRequest } from '../api-types';
import { byId, clearError, showError } from '../dom';
import { poll } from '../poll';
import { detectE2eeSupport, MediaEncryption, type E2eeMethod, type EncryptionState } from './e2ee/media-encryption';
import { JanusRoom } from './janus-room';
import { joinTokenFromPath } from './join-token';
import { VideoTracks } from './video-tracks';

const POLL_MS = 2000;

type CallPhase = 'joined' | 'connected' | 'ended' | 'failed';

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

/** Errors that retrying the same link cannot fix. */
const FINAL_JOIN_ERRORS = new Set(['TOKEN_EXPIRED', 'TOKEN_USED', 'TOKEN_NOT_FOUND', 'CALL_ENDED']);

let joined: JoinResponse | null = null;
/** Set before the link is redeemed when the call is end-to-end encrypted: how this browser encrypts. */
let e2eeMethod: E2eeMethod | null = null;
let room: JanusRoom | null = null;
let stopPolling: (() => void) | null = null;
let presenceSent = false;
let phase: CallPhase | null = null;
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
  if (remoteLinkUp && remoteMediaArrived()) {
    if (phase !== 'connected') setPhase('connected', 'Connected');
  } else if (!remoteLinkUp && phase === 'connected') {
    setPhase('joined', 'Waiting for the other person…');
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
  warning.hidden = true;
  setPhase(next, status);
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
      if (isOver(call)) leave(endStatus(call), call.state === 'failed' ? 'failed' : 'ended');
    },
    POLL_MS,
    (error) => {
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
  const optional = joined?.call.recordingPolicy === 'optional';
  const running = call.state === 'active';
  if (joined?.role === 'agent') {
    recordingToggle.hidden = !(optional && running);
    recordingToggle.textContent = call.recording.active ? 'Stop recording' : 'Start recording';
  } else {
    recordingToggle.hidden = !(optional && running && call.recording.active);
    recordingToggle.textContent = 'Stop recording';
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

/** Claims end-to-end encryption only when the encryption layer says every sender and receiver is under agreed keys. */
function showEncryption(state: EncryptionState): void {
  const active = state.active && state.safetyCode !== null;
  safetyCode.textContent = active ? state.safetyCode!.join(' ') : '';
  e2eePanel.hidden = !active;
}

function startMedia(join: JoinResponse): void {
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
  current = new JanusRoom(join.media, join.role, withVideo, {
    joined: () => setPhase('joined', 'Waiting for the other person…'),
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
  } catch {
    // The server is unreachable too: treat it as a lost connection.
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
  clearError(alert);
  lobby.hidden = true;
  stage.hidden = false;
  hangUpButton.hidden = false;
  hangUpButton.disabled = false;
  statusLine.textContent = 'Connecting…';
  watchCall();
  startMedia(join);
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
  meetingType.textContent = `${joined.call.meetingTypeName} · ${RECORDING_TEXT[joined.call.recordingPolicy]}`;
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

window.addEventListener('pagehide', () => {
  // Closing the tab is leaving: tell the server while the page can still send.
  if (presenceSent && phase !== 'ended' && phase !== 'failed') void sendPresence('left', true).catch(() => {});
});
