import { api, ApiError } from '../api';
import type { MediaKind, PlaybackAbout, PlaybackContinued } from '../api-types';
import { byId } from '../dom';
import { formatDuration } from '../format';
import { Watermark } from './watermark';

export type PlaybackEnd = 'expired' | 'failed';

const MEDIA_TEXT: Record<MediaKind, string> = {
  'audio+video': 'Audio and video',
  audio: 'Audio only',
};

/**
 * The browser's own fullscreen would show the bare video without the watermark;
 * the page's button puts the whole frame, watermark included, on screen instead.
 */
const CONTROLS_LIST = 'nodownload nofullscreen noplaybackrate noremoteplayback';

/** A media error this close to the expiry is the server refusing the expired link. */
const EXPIRY_MARGIN_MS = 5000;

/**
 * While the recording plays, the next link is asked for a minute before the current one expires,
 * or a third of its lifetime for short-lived links (an operator may set them as short as 10 s).
 */
const continueAhead = (lifetimeMs: number) => Math.min(60_000, Math.max(3_000, lifetimeMs / 3));

const streamPath = (ticket: string) => `/media/${encodeURIComponent(ticket)}`;

function createMediaElement(kind: MediaKind): HTMLMediaElement {
  const element = document.createElement(kind === 'audio' ? 'audio' : 'video');
  element.controls = true;
  element.preload = 'metadata';
  element.setAttribute('controlslist', CONTROLS_LIST);
  element.setAttribute('disableremoteplayback', '');
  element.setAttribute('aria-label', 'Call recording');
  if (element instanceof HTMLVideoElement) {
    element.setAttribute('disablepictureinpicture', '');
    // iPhones otherwise play in their own fullscreen player, without the watermark.
    element.playsInline = true;
  }
  element.addEventListener('contextmenu', (event) => event.preventDefault());
  return element;
}

/**
 * Plays one recording behind its watermark. Each link is valid for minutes; while the recording
 * plays, the player asks for the next one before it runs out (the server checks the viewer again)
 * and carries on from the same moment. Left paused, the link runs out and the page says so.
 */
export class RecordingPlayer {
  private readonly section = byId('viewer-player', HTMLElement);
  private readonly frame = byId('player-frame', HTMLElement);
  private readonly fullscreenButton = byId('player-fullscreen', HTMLButtonElement);
  private readonly mediaText = byId('recording-media', HTMLElement);
  private readonly durationText = byId('recording-duration', HTMLElement);
  private readonly expiresText = byId('link-expires', HTMLElement);
  private readonly viewerText = byId('viewer-name', HTMLElement);
  private readonly expiryClock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
  private readonly watermark: Watermark;
  private expiresAt: number;
  private element: HTMLMediaElement | null = null;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private continuing = false;
  /** Set once the server refused to continue: the link then runs out. */
  private refused = false;
  private ahead: number;

  constructor(
    private readonly about: PlaybackAbout,
    private ticket: string,
    private readonly onEnd: (reason: PlaybackEnd) => void,
  ) {
    this.expiresAt = Date.parse(about.expiresAt);
    this.ahead = continueAhead(this.expiresAt - Date.now());
    this.watermark = new Watermark(byId('watermark', HTMLElement), about.viewerName);
  }

  /** False when the link has already expired: nothing is shown then. */
  start(): boolean {
    if (!(this.expiresAt > Date.now())) return false;
    const { recording } = this.about;
    const element = createMediaElement(recording.media);
    element.addEventListener('error', () => this.end(Date.now() >= this.expiresAt - EXPIRY_MARGIN_MS ? 'expired' : 'failed'));
    element.addEventListener('loadedmetadata', () => {
      if (recording.durationSeconds === null && Number.isFinite(element.duration)) this.durationText.textContent = formatDuration(element.duration);
    });
    element.src = streamPath(this.ticket);
    this.element = element;
    this.frame.prepend(element);
    this.frame.classList.toggle('is-audio', recording.media === 'audio');

    this.mediaText.textContent = MEDIA_TEXT[recording.media];
    this.durationText.textContent = recording.durationSeconds === null ? 'Unknown' : formatDuration(recording.durationSeconds);
    this.viewerText.textContent = this.about.viewerName;
    // Audio has no picture to enlarge.
    if (recording.media !== 'audio') this.setUpFullscreen();
    this.tick();
    this.ticker = setInterval(() => this.tick(), 1000);
    this.section.hidden = false;
    return true;
  }

  private tick(): void {
    const now = Date.now();
    const left = this.expiresAt - now;
    if (left <= 0) {
      this.end('expired');
      return;
    }
    this.watermark.show(new Date(now));
    const element = this.element;
    if (left <= this.ahead && element && !element.paused && !element.ended && !this.continuing && !this.refused) void this.continueWith(element);
    this.expiresText.textContent = `${this.expiryClock.format(this.expiresAt)} (${formatDuration(Math.ceil(left / 1000))} left)`;
  }

  /** The next link, then the same moment of the recording from it; on refusal the link just runs out. */
  private async continueWith(element: HTMLMediaElement): Promise<void> {
    this.continuing = true;
    try {
      const next = await api<PlaybackContinued>(`${streamPath(this.ticket)}/continue`, { method: 'POST' });
      this.ticket = next.ticket;
      this.expiresAt = Date.parse(next.expiresAt);
      this.ahead = continueAhead(this.expiresAt - Date.now());
      const at = element.currentTime;
      const playing = !element.paused;
      element.addEventListener(
        'loadedmetadata',
        () => {
          element.currentTime = at;
          if (playing) void element.play().catch(() => {});
        },
        { once: true },
      );
      element.src = streamPath(next.ticket);
    } catch (error) {
      // Signed out, access withdrawn, recording deleted: nothing more is streamed, and the page says
      // the link expired when it does. A network failure is tried again at the next tick.
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) this.refused = true;
    } finally {
      this.continuing = false;
    }
  }

  private setUpFullscreen(): void {
    if (!document.fullscreenEnabled) return;
    this.fullscreenButton.hidden = false;
    this.fullscreenButton.addEventListener('click', () => {
      const request = document.fullscreenElement ? document.exitFullscreen() : this.frame.requestFullscreen();
      request.catch(() => {
        // Refused (no user gesture, or a policy): the page keeps working in the window.
      });
    });
    document.addEventListener('fullscreenchange', () => {
      // Whatever put the bare media element into fullscreen, it must not show without its watermark.
      if (this.element && document.fullscreenElement === this.element) void document.exitFullscreen().catch(() => {});
      this.fullscreenButton.textContent = document.fullscreenElement === this.frame ? 'Exit full screen' : 'Full screen';
    });
  }

  private end(reason: PlaybackEnd): void {
    if (!this.element) return;
    clearInterval(this.ticker);
    const element = this.element;
    this.element = null;
    element.pause();
    // Drops the buffered media, not only the visible element.
    element.removeAttribute('src');
    element.load();
    element.remove();
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => {});
    this.section.hidden = true;
    this.onEnd(reason);
  }
}
