import { FrameCryptor } from './frame-cryptor';
import type { MediaKind } from './sframe';
import type { FromWorker, ToWorker, TransformOptions } from './worker-protocol';

/**
 * Runs every frame of the call through FrameCryptor, off the page's main thread: the
 * RTCRtpScriptTransform path (`rtctransform` events) and the createEncodedStreams fallback
 * (streams posted by the page) share the same code.
 */

type EncodedFrame = (RTCEncodedVideoFrame | RTCEncodedAudioFrame) & { type?: string };

interface ScriptTransformer {
  readable: ReadableStream<EncodedFrame>;
  writable: WritableStream<EncodedFrame>;
  options: TransformOptions;
  sendKeyFrameRequest?: () => Promise<void>;
}

/** A receiver whose frames fail this many times in a row no longer counts as decrypting. */
const FAILURES_BEFORE_NOT_OK = 25;
const KEY_FRAME_REQUEST_INTERVAL_MS = 300;

/** The parts of a dedicated worker's global scope used here (the project compiles against the DOM library). */
interface TransformWorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  onrtctransform: ((event: { transformer: ScriptTransformer }) => void) | null;
}

const scope = self as unknown as TransformWorkerScope;
const cryptor = new FrameCryptor();
/** Receivers whose decoder has not had a key frame under the newest key yet. */
const awaitingKeyFrame = new Set<number>();

function post(message: FromWorker): void {
  scope.postMessage(message);
}

function isKeyFrame(frame: EncodedFrame): boolean {
  return frame.type === 'key';
}

function frameTransform(options: TransformOptions, requestKeyFrame?: () => Promise<void>): TransformStream<EncodedFrame, EncodedFrame> {
  let reported: { ok: boolean; kid: number | null } = { ok: false, kid: null };
  let failures = 0;
  let lastKeyFrameRequest = 0;
  const report = (ok: boolean, kid: number | null) => {
    if (ok) failures = 0;
    else if (++failures < FAILURES_BEFORE_NOT_OK && reported.ok) return;
    if (reported.ok === ok && reported.kid === kid) return;
    reported = { ok, kid };
    post({ type: 'status', id: options.id, ok, kid });
  };
  return new TransformStream({
    async transform(frame, controller) {
      const mimeType = frame.getMetadata().mimeType;
      const data = new Uint8Array(frame.data);
      if (options.side === 'send') {
        const sealed = await cryptor.encrypt(options.kind, mimeType, data).catch(() => null);
        report(sealed !== null, sealed?.kid ?? null);
        // No key yet, or sealing failed: the frame goes nowhere rather than out in the clear.
        if (!sealed) return;
        frame.data = sealed.data.buffer;
        controller.enqueue(frame);
        return;
      }
      const opened = await cryptor.decrypt(options.kind, mimeType, data);
      report(opened !== null, opened?.kid ?? null);
      if (!opened) return;
      if (options.kind === 'video' && awaitingKeyFrame.has(options.id)) {
        if (isKeyFrame(frame)) awaitingKeyFrame.delete(options.id);
        else if (requestKeyFrame && Date.now() - lastKeyFrameRequest > KEY_FRAME_REQUEST_INTERVAL_MS) {
          // Frames sent before the keys were agreed were dropped, so the decoder needs a fresh start.
          lastKeyFrameRequest = Date.now();
          requestKeyFrame().catch(() => {});
        }
      }
      frame.data = opened.data.buffer;
      controller.enqueue(frame);
    },
  });
}

const receivers = new Map<number, MediaKind>();

function run(options: TransformOptions, readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>, requestKeyFrame?: () => Promise<void>): void {
  if (options.side === 'receive') {
    receivers.set(options.id, options.kind);
    if (options.kind === 'video') awaitingKeyFrame.add(options.id);
  }
  readable
    .pipeThrough(frameTransform(options, requestKeyFrame))
    .pipeTo(writable)
    .catch(() => {})
    .finally(() => {
      receivers.delete(options.id);
      awaitingKeyFrame.delete(options.id);
    });
}

scope.onrtctransform = ({ transformer }) => {
  run(transformer.options, transformer.readable, transformer.writable, transformer.sendKeyFrameRequest?.bind(transformer));
};

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'send-key':
        cryptor.setSendKey(message.kind, message.frameKey);
        break;
      case 'receive-key':
        cryptor.setReceiveKey(message.kind, message.frameKey);
        for (const [id, kind] of receivers) if (kind === 'video' && message.kind === 'video') awaitingKeyFrame.add(id);
        break;
      case 'clear':
        cryptor.clear();
        break;
      case 'streams':
        run(message.transform, message.readable as ReadableStream<EncodedFrame>, message.writable as WritableStream<EncodedFrame>);
        break;
      default: {
        const _never: never = message;
        throw new Error(`unknown message ${JSON.stringify(_never)}`);
      }
    }
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
};
