import type { MediaKind, PlaybackAbout } from '../api-types';
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

/** Plays one recording behind its watermark until the playback link expires. */
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
  private readonly expiresAt: number;
  private element: HTMLMediaElement | null = null;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly about: PlaybackAbout,
    private readonly onEnd: (reason: PlaybackEnd) => void,
  ) {
    this.expiresAt = Date.parse(about.expiresAt);
    this.watermark = new Watermark(byId('watermark', HTMLElement), about.viewerName);
  }

  /** False when the link has already expired: nothing is shown then. */
  start(streamUrl: string): boolean {
    if (!(this.expiresAt > Date.now())) return false;
    const { recording } = this.about;
    const element = createMediaElement(recording.media);
    element.addEventListener('error', () => this.end(Date.now() >= this.expiresAt - EXPIRY_MARGIN_MS ? 'expired' : 'failed'));
    element.addEventListener('loadedmetadata', () => {
      if (recording.durationSeconds === null && Number.isFinite(element.duration)) this.durationText.textContent = formatDuration(element.duration);
    });
    element.src = streamUrl;
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
    this.expiresText.textContent = `${this.expiryClock.format(this.expiresAt)} (${formatDuration(Math.ceil(left / 1000))} left)`;
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
