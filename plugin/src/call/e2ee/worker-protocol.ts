import type { FrameKey, MediaKind } from './sframe';

/** What the call page tells the transform worker. CryptoKeys cross by structured clone and stay non-extractable. */
export type ToWorker =
  | { type: 'send-key'; kind: MediaKind; frameKey: FrameKey }
  | { type: 'receive-key'; kind: MediaKind; frameKey: FrameKey }
  | { type: 'clear' }
  /** createEncodedStreams fallback: the page hands over a sender's or receiver's frame streams. */
  | { type: 'streams'; transform: TransformOptions; readable: ReadableStream; writable: WritableStream };

export interface TransformOptions {
  id: number;
  side: 'send' | 'receive';
  kind: MediaKind;
}

/** What the worker reports back: per transform, whether frames pass encrypted (send) or open (receive), under which key id. */
export type FromWorker = { type: 'status'; id: number; ok: boolean; kid: number | null } | { type: 'error'; message: string };
