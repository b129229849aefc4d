import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';
import { UnauthorizedError } from '../../errors.js';
import type { CallParticipantPrincipal } from '../principal.js';

const ISSUER = 'parley';
const AGENT_AUDIENCE = 'parley:agent';
const CALL_AUDIENCE = 'parley:call';
const MEDIA_AUDIENCE = 'parley:media';

/** What an agent's session token says; what the agent may do is loaded fresh on each request. */
export interface AgentSessionClaims {
  kind: 'agent';
  tenantId: string;
  agentId: string;
  /** The user's session epoch when the token was issued; a bump ends the session. */
  epoch: number;
}
export type SessionClaims = AgentSessionClaims | CallParticipantPrincipal;

/** A playback ticket: one viewer, one recording, minutes at most. Not a session: `verify` refuses it. */
export interface PlaybackTicket {
  ticketId: string;
  tenantId: string;
  agentId: string;
  recordingId: string;
  /** The viewer's session epoch at issue: signing out everywhere stops their playback too. */
  epoch: number;
  /** When the playback began: the links that continue it carry this on (see `playbackEndsAt`). */
  startedAt: Date;
  expiresAt: Date;
}

/**
 * Parley's own short-lived bearer tokens (HS256). Held in page memory by the
 * sidebar and call view, never in cookies or storage, so a third-party iframe works
 * without cross-site cookies.
 */
export class SessionTokens {
  /**
   * Imported once: given raw bytes, jose imports a WebCrypto key on every sign and verify,
   * which cost about as much as the HMAC itself on every signed-in request.
   */
  private readonly key: Promise<CryptoKey>;
  /**
   * Tokens already verified, by SHA-256, until they expire: a signed-in page sends the same token
   * with every request, and WebCrypto's HMAC is an asynchronous job that costs more than the rest
   * of a short request. A token is immutable, so its claims cannot change; what can end a session
   * early (the user's epoch, their roles) is checked against the database on every request anyway.
   */
  private readonly verified = new LRUCache<string, SessionClaims>({ max: 10_000 });

  constructor(
    secret: string,
    private readonly ttl = { agentSeconds: 8 * 3600, callSeconds: 4 * 3600 },
  ) {
    this.key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async issueAgent(p: Omit<AgentSessionClaims, 'kind'>): Promise<{ token: string; expiresAt: Date }> {
    const expiresAt = new Date(Date.now() + this.ttl.agentSeconds * 1000);
    const token = await new SignJWT({ tid: p.tenantId, ep: p.epoch })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AGENT_AUDIENCE)
      .setSubject(p.agentId)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(await this.key);
    return { token, expiresAt };
  }

  async issueCall(p: Omit<CallParticipantPrincipal, 'kind'>): Promise<{ token: string; expiresAt: Date }> {
    const expiresAt = new Date(Date.now() + this.ttl.callSeconds * 1000);
    const token = await new SignJWT({ tid: p.tenantId, cid: p.callId, role: p.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(CALL_AUDIENCE)
      .setSubject(p.participantId)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(await this.key);
    return { token, expiresAt };
  }

  /**
   * A watched playback is continued link by link, each checked again, but never past what one
   * sign-in lasts from its start: a link copied out of a player cannot be kept alive for good.
   */
  playbackEndsAt(startedAt: Date): Date {
    return new Date(startedAt.getTime() + this.ttl.agentSeconds * 1000);
  }

  async issuePlayback(p: Omit<PlaybackTicket, 'ticketId' | 'expiresAt'>, ttlSeconds: number): Promise<{ token: string; ticket: PlaybackTicket }> {
    // In whole seconds, as the token carries it.
    const startedAt = new Date(Math.floor(p.startedAt.getTime() / 1000) * 1000);
    const expiresAt = new Date(Math.min(Date.now() + ttlSeconds * 1000, this.playbackEndsAt(startedAt).getTime()));
    const ticketId = randomUUID();
    const token = await new SignJWT({ tid: p.tenantId, rid: p.recordingId, ep: p.epoch, pst: startedAt.getTime() / 1000 })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(MEDIA_AUDIENCE)
      .setSubject(p.agentId)
      .setJti(ticketId)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(await this.key);
    return { token, ticket: { ...p, startedAt, ticketId, expiresAt } };
  }

  async verifyPlayback(token: string): Promise<PlaybackTicket> {
    try {
      const { payload } = await jwtVerify(token, await this.key, { issuer: ISSUER, audience: MEDIA_AUDIENCE, algorithms: ['HS256'] });
      if (
        typeof payload.sub !== 'string' ||
        typeof payload.tid !== 'string' ||
        typeof payload.rid !== 'string' ||
        typeof payload.ep !== 'number' ||
        typeof payload.pst !== 'number' ||
        !payload.jti ||
        !payload.exp
      ) {
        throw new UnauthorizedError('Playback link is incomplete.');
      }
      return {
        ticketId: payload.jti,
        tenantId: payload.tid,
        agentId: payload.sub,
        recordingId: payload.rid,
        epoch: payload.ep,
        startedAt: new Date(payload.pst * 1000),
        expiresAt: new Date(payload.exp * 1000),
      };
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('This playback link has expired; start playback again.');
      throw new UnauthorizedError('Playback link is not valid.');
    }
  }

  /** Verifies signature, issuer, audience and expiry; anything else is a 401. */
  async verify(token: string): Promise<SessionClaims> {
    const digest = createHash('sha256').update(token).digest('base64url');
    const known = this.verified.get(digest);
    if (known) return known;
    const { claims, expiresAt } = await this.verifyAnew(token);
    this.verified.set(digest, claims, { ttl: Math.max(1, expiresAt - Date.now()) });
    return claims;
  }

  private async verifyAnew(token: string): Promise<{ claims: SessionClaims; expiresAt: number }> {
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        issuer: ISSUER,
        audience: [AGENT_AUDIENCE, CALL_AUDIENCE],
        algorithms: ['HS256'],
      });
      const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
      if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string' || typeof payload.exp !== 'number') {
        throw new UnauthorizedError('Session token is incomplete.');
      }
      const expiresAt = payload.exp * 1000;
      if (aud === AGENT_AUDIENCE) {
        if (typeof payload.ep !== 'number') throw new UnauthorizedError('Session token is incomplete.');
        return { claims: { kind: 'agent', tenantId: payload.tid, agentId: payload.sub, epoch: payload.ep }, expiresAt };
      }
      const role = payload.role;
      if (typeof payload.cid !== 'string' || (role !== 'agent' && role !== 'customer' && role !== 'supervisor')) {
        throw new UnauthorizedError('Session token is incomplete.');
      }
      return { claims: { kind: 'call-participant', tenantId: payload.tid, callId: payload.cid, participantId: payload.sub, role }, expiresAt };
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new UnauthorizedError('Your session has expired; open Parley again.');
      throw new UnauthorizedError('Session token is not valid.');
    }
  }
}
