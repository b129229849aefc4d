import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../backend/src/config.js';
import { iceServersFor } from '../../backend/src/services/calls/ice-servers.js';

const secret = 'coturn-static-auth-secret-0123';
const now = new Date('2026-11-29T10:00:00Z');

describe('ICE servers handed to browsers', () => {
  it('are none at all without STUN/TURN, so no third party learns the browser address', () => {
    expect(iceServersFor(undefined, 'p-1', now)).toEqual([]);
  });

  it('carry a TURN credential that coturn accepts and that expires', () => {
    const [stun, turn] = iceServersFor(
      { urls: ['stun:turn.example.eu:3478', 'turn:turn.example.eu:3478?transport=udp', 'turns:turn.example.eu:5349?transport=tcp'], secret, ttlSeconds: 3600 },
      'participant-7',
      now,
    );
    expect(stun).toEqual({ urls: ['stun:turn.example.eu:3478'] });
    expect(turn!.urls).toEqual(['turn:turn.example.eu:3478?transport=udp', 'turns:turn.example.eu:5349?transport=tcp']);
    // coturn (use-auth-secret) splits the username at ':' for the expiry and recomputes the HMAC.
    const [expiry, who] = turn!.username!.split(':');
    expect(Number(expiry)).toBe(now.getTime() / 1000 + 3600);
    expect(who).toBe('participant-7');
    expect(turn!.credential).toBe(createHmac('sha1', secret).update(turn!.username!).digest('base64'));
    // Another participant gets another credential.
    expect(iceServersFor({ urls: ['turn:t.example.eu'], secret, ttlSeconds: 3600 }, 'participant-8', now)[0]!.credential).not.toBe(turn!.credential);
  });

  it('are refused at start when a URL is not STUN/TURN or a TURN server has no secret', () => {
    expect(() => loadConfig({ TURN_URLS: 'https://turn.example.eu' })).toThrow(/TURN_URLS: .*not a stun:, turn: or turns: URL/);
    expect(() => loadConfig({ TURN_URLS: 'turn:turn.example.eu:3478' })).toThrow(/TURN_SECRET: required/);
    expect(loadConfig({ TURN_URLS: 'stun:stun.example.eu:3478' }).turn).toEqual({ urls: ['stun:stun.example.eu:3478'], secret: undefined, ttlSeconds: 3600 });
    expect(loadConfig({}).turn).toBeUndefined();
  });
});
