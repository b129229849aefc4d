/**
 * Feeds the tracks janus.js hands out, one at a time, into a <video> element.
 * A fresh MediaStream per change keeps every browser re-reading the track set.
 */
export class VideoTracks {
  private readonly tracks = new Map<string, MediaStreamTrack>();

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly accept: (track: MediaStreamTrack) => boolean = () => true,
  ) {}

  update(track: MediaStreamTrack, on: boolean): void {
    if (!this.accept(track)) return;
    if (on && track.readyState === 'live') this.tracks.set(track.id, track);
    else if (!this.tracks.delete(track.id)) return;
    this.render();
  }

  clear(): void {
    this.tracks.clear();
    this.render();
  }

  private render(): void {
    this.video.srcObject = this.tracks.size > 0 ? new MediaStream([...this.tracks.values()]) : null;
    this.video.classList.toggle('has-video', [...this.tracks.values()].some((t) => t.kind === 'video'));
    if (this.tracks.size > 0) {
      // Autoplay can be refused; the Join click normally grants it. Nothing better to do if not.
      this.video.play().catch(() => {});
    }
  }
}
