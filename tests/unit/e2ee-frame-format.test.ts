import { describe, expect, it } from 'vitest';
import { FrameCryptor } from '../../plugin/src/call/e2ee/frame-cryptor.js';
import { deriveFrameKey, generateKeyPair, type KeyPair } from '../../plugin/src/call/e2ee/keys.js';
import {
  clearPrefixLength,
  decodeHeader,
  encodeHeader,
  FrameSealer,
  nonceFor,
  openFrame,
  TAG_BYTES,
  type FrameKey,
  type MediaKind,
} from '../../plugin/src/call/e2ee/sframe.js';

/** A VP8 key frame starts with P=0 in its first byte, then the start code 9d 01 2a and the size. */
function vp8KeyFrame(size = 1200): Uint8Array {
  const frame = crypto.getRandomValues(new Uint8Array(size));
  frame.set([0x50, 0x3c, 0x01, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
  return frame;
}

function vp8DeltaFrame(size = 300): Uint8Array {
  const frame = crypto.getRandomValues(new Uint8Array(size));
  frame.set([0x31, 0x08, 0x00]);
  return frame;
}

const opusFrame = () => crypto.getRandomValues(new Uint8Array(80));

async function pair(): Promise<{ alice: KeyPair; bob: KeyPair }> {
  return { alice: await generateKeyPair(), bob: await generateKeyPair() };
}

/** Alice's sending key as Alice derives it and as Bob derives it. */
async function aliceToBob(kind: MediaKind, kid = 0) {
  const { alice, bob } = await pair();
  const direction = { sender: alice.publicKey, receiver: bob.publicKey, kind, kid };
  return {
    send: await deriveFrameKey(alice.privateKey, bob.publicKey, direction),
    receive: await deriveFrameKey(bob.privateKey, alice.publicKey, direction),
  };
}

const only = (key: FrameKey) => (kid: number) => (kid === key.kid ? key : undefined);

describe('end-to-end frame encryption (SFrame-style, AES-128-GCM)', () => {
  it('round-trips Opus frames with nothing left in the clear', async () => {
    const { send, receive } = await aliceToBob('audio');
    const sealer = new FrameSealer(send);
    const frame = opusFrame();
    const sealed = await sealer.seal(frame, clearPrefixLength('audio', 'audio/opus', frame));
    expect(sealed.length).toBe(1 + frame.length + TAG_BYTES);
    // Nothing of the frame survives in the clear: no 8-byte window of it appears in the output.
    for (let i = 0; i + 8 <= frame.length; i += 8) expect(Buffer.from(sealed).indexOf(Buffer.from(frame.subarray(i, i + 8)))).toBe(-1);
    const opened = await openFrame(sealed, 0, only(receive));
    expect(opened && Buffer.from(opened.frame).equals(Buffer.from(frame))).toBe(true);
  });

  it('keeps exactly the VP8 header the SFU reads (10 bytes on key frames, 3 on delta frames) and round-trips both', async () => {
    const { send, receive } = await aliceToBob('video');
    const sealer = new FrameSealer(send);
    for (const [frame, clear] of [
      [vp8KeyFrame(), 10],
      [vp8DeltaFrame(), 3],
    ] as const) {
      expect(clearPrefixLength('video', 'video/VP8', frame)).toBe(clear);
      const sealed = await sealer.seal(frame, clear);
      expect(Buffer.from(sealed.subarray(0, clear)).equals(Buffer.from(frame.subarray(0, clear)))).toBe(true);
      // The receiver finds the same split from the sealed bytes alone.
      expect(clearPrefixLength('video', 'video/VP8', sealed)).toBe(clear);
      const opened = await openFrame(sealed, clear, only(receive));
      expect(opened && Buffer.from(opened.frame).equals(Buffer.from(frame))).toBe(true);
    }
  });

  it('rejects tampered, truncated, re-keyed and plain frames', async () => {
    const { send, receive } = await aliceToBob('video');
    const other = await aliceToBob('video');
    const frame = vp8KeyFrame();
    const sealed = await new FrameSealer(send).seal(frame, 10);
    const flipped = (at: number) => {
      const copy = sealed.slice();
      copy[at]! ^= 0x01;
      return copy;
    };
    expect(await openFrame(sealed, 10, only(receive))).not.toBeNull();
    expect(await openFrame(flipped(sealed.length - 1), 10, only(receive))).toBeNull(); // tag
    expect(await openFrame(flipped(40), 10, only(receive))).toBeNull(); // ciphertext
    expect(await openFrame(flipped(10), 10, only(receive))).toBeNull(); // SFrame header (counter → nonce)
    expect(await openFrame(flipped(6), 10, only(receive))).toBeNull(); // clear VP8 header is authenticated
    expect(await openFrame(sealed.subarray(0, sealed.length - 1), 10, only(receive))).toBeNull();
    expect(await openFrame(sealed, 10, only(other.receive))).toBeNull(); // someone else's key
    expect(await openFrame(frame, 10, only(receive))).toBeNull(); // never encrypted
  });

  it('never repeats a nonce under a key: the counter grows by one per frame from 0', async () => {
    const { send } = await aliceToBob('audio', 5);
    const sealer = new FrameSealer(send);
    const nonces = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const sealed = await sealer.seal(opusFrame(), 0);
      const header = decodeHeader(sealed)!;
      expect(header).toMatchObject({ kid: 5, ctr: i });
      nonces.add(Buffer.from(nonceFor(send.salt, header.ctr)).toString('hex'));
    }
    expect(nonces.size).toBe(2000);
  });

  it('refuses to send under a key id it already used, so a counter never restarts under the same key', async () => {
    const cryptor = new FrameCryptor();
    const first = await aliceToBob('audio', 3);
    cryptor.setSendKey('audio', first.send);
    await cryptor.encrypt('audio', 'audio/opus', opusFrame());
    expect(() => cryptor.setSendKey('audio', first.send)).toThrow(/not newer/);
    cryptor.clear();
    expect(() => cryptor.setSendKey('audio', { ...first.send, kid: 2 })).toThrow(/not newer/);
    const next = await aliceToBob('audio', 4);
    expect(() => cryptor.setSendKey('audio', next.send)).not.toThrow();
  });

  it('drops frames while no key is agreed instead of passing them on', async () => {
    const cryptor = new FrameCryptor();
    expect(await cryptor.encrypt('video', 'video/VP8', vp8KeyFrame())).toBeNull();
    expect(await cryptor.decrypt('video', 'video/VP8', vp8KeyFrame())).toBeNull();

    const { send, receive } = await aliceToBob('video', 1);
    const sender = new FrameCryptor();
    const receiver = new FrameCryptor();
    sender.setSendKey('video', send);
    receiver.setReceiveKey('video', receive);
    const sealed = (await sender.encrypt('video', 'video/VP8', vp8DeltaFrame()))!;
    expect(await receiver.decrypt('video', 'video/VP8', sealed.data)).toMatchObject({ kid: 1 });
    // The other person left: the keys go, and nothing is sent or played until new ones are agreed.
    sender.clear();
    receiver.clear();
    expect(await sender.encrypt('video', 'video/VP8', vp8DeltaFrame())).toBeNull();
    expect(await receiver.decrypt('video', 'video/VP8', sealed.data)).toBeNull();
  });

  it('encodes the SFrame header as RFC 9605 §4.3 does', () => {
    const hex = (kid: number, ctr: number) => Buffer.from(encodeHeader(kid, ctr)).toString('hex');
    expect(hex(0, 0)).toBe('00');
    expect(hex(7, 7)).toBe('77');
    expect(hex(8, 0)).toBe('8008');
    expect(hex(0, 8)).toBe('0808');
    expect(hex(0x0102, 0x030405)).toBe('9a0102030405');
    for (const [kid, ctr] of [
      [0, 0],
      [7, 255],
      [256, 65_536],
      [2 ** 40, 2 ** 52],
    ] as const) {
      const encoded = encodeHeader(kid, ctr);
      expect(decodeHeader(encoded)).toEqual({ kid, ctr, length: encoded.length });
    }
    expect(decodeHeader(Uint8Array.of(0x88))).toBeNull(); // says a counter byte follows; none does
  });
});
