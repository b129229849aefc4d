import { afterEach, describe, expect, it } from 'vitest';
import { KeyExchange, type FrameKeys } from '../../plugin/src/call/e2ee/key-exchange.js';
import { deriveFrameKey, generateKeyPair, safetyCode, SAFETY_CODE_WORDS } from '../../plugin/src/call/e2ee/keys.js';
import { SAFETY_WORDS } from '../../plugin/src/call/e2ee/safety-words.js';
import { FrameSealer, openFrame, type FrameKey } from '../../plugin/src/call/e2ee/sframe.js';

const only = (key: FrameKey) => (kid: number) => (kid === key.kid ? key : undefined);

async function works(send: FrameKey, receive: FrameKey): Promise<boolean> {
  const frame = crypto.getRandomValues(new Uint8Array(64));
  const opened = await openFrame(await new FrameSealer(send).seal(frame, 0), 0, only(receive));
  return opened !== null && Buffer.from(opened.frame).equals(Buffer.from(frame));
}

/** One browser of the call as the key exchange sees it: what it would hand the transform worker and the page. */
class Side {
  send: FrameKeys | null = null;
  receive: FrameKeys | null = null;
  code: string[] | null = null;
  resets = 0;
  readonly exchange: KeyExchange;
  /** Messages to the other side; null while the other side is not subscribed (the media server drops them). */
  deliver: ((text: string) => void) | null = null;

  constructor() {
    this.exchange = new KeyExchange((text) => this.deliver?.(text), {
      sendKeys: (keys) => (this.send = keys),
      receiveKeys: (keys) => (this.receive = keys),
      agreed: (code) => (this.code = code),
      reset: () => {
        this.send = this.receive = this.code = null;
        this.resets += 1;
      },
    }, { resendMs: 10 });
  }
}

const exchanges: KeyExchange[] = [];
afterEach(() => {
  for (const exchange of exchanges.splice(0)) exchange.stop();
});

function connect(a: Side, b: Side): void {
  // Asynchronous, like a data channel: a message arrives after the sender's turn.
  a.deliver = (text) => void Promise.resolve().then(() => b.exchange.receive(text));
  b.deliver = (text) => void Promise.resolve().then(() => a.exchange.receive(text));
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('key agreement between the two browsers (ECDH P-256 + HKDF-SHA-256)', () => {
  it('gives both ends the same frame key per direction and kind, and different keys per direction and kind', async () => {
    const alice = await generateKeyPair();
    const bob = await generateKeyPair();
    const dir = (sender: Uint8Array, receiver: Uint8Array, kind: 'audio' | 'video', kid = 1) => ({ sender, receiver, kind, kid });
    const aliceSends = await deriveFrameKey(alice.privateKey, bob.publicKey, dir(alice.publicKey, bob.publicKey, 'video'));
    const bobReceives = await deriveFrameKey(bob.privateKey, alice.publicKey, dir(alice.publicKey, bob.publicKey, 'video'));
    const bobSends = await deriveFrameKey(bob.privateKey, alice.publicKey, dir(bob.publicKey, alice.publicKey, 'video'));
    const aliceAudio = await deriveFrameKey(alice.privateKey, bob.publicKey, dir(alice.publicKey, bob.publicKey, 'audio'));
    const aliceNextKid = await deriveFrameKey(alice.privateKey, bob.publicKey, dir(alice.publicKey, bob.publicKey, 'video', 2));

    expect(await works(aliceSends, bobReceives)).toBe(true);
    expect(await works(bobSends, bobReceives)).toBe(false);
    expect(await works({ ...aliceAudio, kid: 1 }, bobReceives)).toBe(false);
    expect(await works({ ...aliceNextKid, kid: 1 }, bobReceives)).toBe(false);
    expect(Buffer.from(aliceSends.salt).equals(Buffer.from(bobSends.salt))).toBe(false);
  });

  it('keeps private keys and frame keys inside WebCrypto', async () => {
    const alice = await generateKeyPair();
    const bob = await generateKeyPair();
    expect(alice.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('pkcs8', alice.privateKey)).rejects.toThrow();
    const key = await deriveFrameKey(alice.privateKey, bob.publicKey, { sender: alice.publicKey, receiver: bob.publicKey, kind: 'audio', kid: 0 });
    expect(key.key.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', key.key)).rejects.toThrow();
  });

  it('shows both people the same safety code, whoever computes it, and a different one when a relay swaps a key', async () => {
    const alice = await generateKeyPair();
    const bob = await generateKeyPair();
    const mallory = await generateKeyPair();
    const seenByAlice = await safetyCode(alice.publicKey, bob.publicKey);
    const seenByBob = await safetyCode(bob.publicKey, alice.publicKey);
    expect(seenByAlice).toEqual(seenByBob);
    expect(seenByAlice).toHaveLength(SAFETY_CODE_WORDS);
    for (const word of seenByAlice) expect(SAFETY_WORDS).toContain(word);

    // A relay in the middle gives each of them its own key instead of the other's.
    const aliceWithMitm = await safetyCode(alice.publicKey, mallory.publicKey);
    const bobWithMitm = await safetyCode(bob.publicKey, mallory.publicKey);
    expect(aliceWithMitm).not.toEqual(bobWithMitm);
    expect(aliceWithMitm).not.toEqual(seenByAlice);
  });

  it('has 256 distinct words, one per byte value', () => {
    expect(SAFETY_WORDS).toHaveLength(256);
    expect(new Set(SAFETY_WORDS).size).toBe(256);
  });

  it('agrees keys over a relay that drops everything sent before both sides subscribed', async () => {
    const agent = new Side();
    const customer = new Side();
    exchanges.push(agent.exchange, customer.exchange);
    await agent.exchange.startWithPeer();
    await customer.exchange.startWithPeer();
    await new Promise((resolve) => setTimeout(resolve, 30)); // announcements into the void
    connect(agent, customer);
    await until(() => agent.code !== null && customer.code !== null);

    expect(agent.code).toEqual(customer.code);
    expect(await works(agent.send!.video, customer.receive!.video)).toBe(true);
    expect(await works(customer.send!.audio, agent.receive!.audio)).toBe(true);
    expect(await works(agent.send!.audio, customer.receive!.video)).toBe(false);
    expect(agent.exchange.isDone() && customer.exchange.isDone()).toBe(true);
  });

  it('agrees new keys and a new code when the other person rejoins, and none of the old keys open the new frames', async () => {
    const agent = new Side();
    const first = new Side();
    exchanges.push(agent.exchange, first.exchange);
    connect(agent, first);
    await Promise.all([agent.exchange.startWithPeer(), first.exchange.startWithPeer()]);
    await until(() => agent.code !== null && first.code !== null);
    const before = { code: agent.code!, send: agent.send!, receive: agent.receive! };

    // The customer's tab reloads: its feed leaves, a new one joins.
    agent.exchange.peerLeft();
    first.exchange.stop();
    expect(agent.resets).toBe(1);
    expect(agent.send).toBeNull();
    const second = new Side();
    exchanges.push(second.exchange);
    connect(agent, second);
    await Promise.all([agent.exchange.startWithPeer(), second.exchange.startWithPeer()]);
    await until(() => agent.code !== null && second.code !== null);

    expect(agent.code).toEqual(second.code);
    expect(agent.code).not.toEqual(before.code);
    expect(agent.send!.video.kid).toBeGreaterThan(before.send.video.kid);
    expect(await works(agent.send!.video, second.receive!.video)).toBe(true);
    expect(await works(agent.send!.video, { ...before.send.video, kid: agent.send!.video.kid })).toBe(false);
    expect(await works(second.send!.audio, { ...before.receive.audio, kid: second.send!.audio.kid })).toBe(false);
  });

  it('ignores messages that are not key announcements and keys that are not on P-256', async () => {
    const side = new Side();
    exchanges.push(side.exchange);
    const sent: string[] = [];
    side.deliver = (text) => sent.push(text);
    await side.exchange.startWithPeer();
    for (const junk of ['not json', '{}', JSON.stringify({ v: 1, type: 'parley-e2ee-key', pub: 'AAAA', kid: null, ack: null, done: false })]) {
      await side.exchange.receive(junk);
    }
    const notOnCurve = Buffer.alloc(65, 1);
    notOnCurve[0] = 4;
    await side.exchange.receive(JSON.stringify({ v: 1, type: 'parley-e2ee-key', pub: notOnCurve.toString('base64url'), kid: null, ack: null, done: false }));
    expect(side.send).toBeNull();
    expect(side.code).toBeNull();
  });
});
