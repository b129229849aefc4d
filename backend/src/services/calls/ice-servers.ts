import { createHmac } from 'node:crypto';

export interface TurnSettings {
  /** stun:, turn: and turns: URLs handed to browsers. */
  urls: string[];
  /** Shared with coturn (`static-auth-secret`); absent when only STUN is offered. */
  secret: string | undefined;
  ttlSeconds: number;
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * The ICE servers a participant's browser may use. TURN credentials follow the TURN REST API that
 * coturn implements with `use-auth-secret`: the username carries its own expiry and the password
 * is an HMAC of it, so each participant gets a relay for a limited time and no password is stored.
 * No TURN configured means no ICE servers at all: browsers then ask no third party (such as a
 * public STUN server) for their address.
 */
export function iceServersFor(turn: TurnSettings | undefined, participantId: string, now: Date = new Date()): IceServer[] {
  if (!turn || turn.urls.length === 0) return [];
  const stun = turn.urls.filter((url) => url.startsWith('stun:'));
  const relays = turn.urls.filter((url) => url.startsWith('turn:') || url.startsWith('turns:'));
  const servers: IceServer[] = stun.length > 0 ? [{ urls: stun }] : [];
  if (relays.length > 0 && turn.secret) {
    const username = `${Math.floor(now.getTime() / 1000) + turn.ttlSeconds}:${participantId}`;
    const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
    servers.push({ urls: relays, username, credential });
  }
  return servers;
}
