import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../backend/src/errors.js';
import { SessionTokens } from '../../backend/src/services/sessions/session-tokens.js';

const SECRET = 'a session secret of at least thirty-two characters';
const agent = { tenantId: 'tenant-1', agentId: 'agent-1', epoch: 3 };

/** The token with its payload (the middle part) swapped for another token's. */
function withPayloadOf(token: string, other: string): string {
  const [header, , signature] = token.split('.');
  return [header, other.split('.')[1], signature].join('.');
}

describe('session tokens', () => {
  const tokens = new SessionTokens(SECRET);

  it('gives back what an agent token and a call token say', async () => {
    const { token } = await tokens.issueAgent(agent);
    expect(await tokens.verify(token)).toEqual({ kind: 'agent', ...agent });
    const call = await tokens.issueCall({ tenantId: 'tenant-1', callId: 'call-1', participantId: 'p-1', role: 'customer' });
    expect(await tokens.verify(call.token)).toEqual({ kind: 'call-participant', tenantId: 'tenant-1', callId: 'call-1', participantId: 'p-1', role: 'customer' });
  });

  it('refuses a token signed with another secret', async () => {
    const { token } = await new SessionTokens(`${SECRET}, but another one`).issueAgent(agent);
    await expect(tokens.verify(token)).rejects.toThrow(new UnauthorizedError('Session token is not valid.'));
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const { token } = await tokens.issueAgent(agent);
    const { token: other } = await tokens.issueAgent({ ...agent, tenantId: 'tenant-2' });
    // Both genuine tokens were verified (and remembered) before the forgery arrives.
    await tokens.verify(token);
    await tokens.verify(other);
    await expect(tokens.verify(withPayloadOf(token, other))).rejects.toThrow(new UnauthorizedError('Session token is not valid.'));
  });

  it('refuses an expired token and says so', async () => {
    const shortLived = new SessionTokens(SECRET, { agentSeconds: -5, callSeconds: -5 });
    const { token } = await shortLived.issueAgent(agent);
    await expect(tokens.verify(token)).rejects.toThrow(new UnauthorizedError('Your session has expired; open Parley again.'));
  });

  it('stops taking a token once it expires, also after it was verified before', async () => {
    const shortLived = new SessionTokens(SECRET, { agentSeconds: 2, callSeconds: 2 });
    const { token } = await shortLived.issueAgent(agent);
    expect(await shortLived.verify(token)).toEqual({ kind: 'agent', ...agent });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await expect(shortLived.verify(token)).rejects.toThrow(new UnauthorizedError('Your session has expired; open Parley again.'));
  });

  it('never takes a playback ticket as a session, nor a session as a playback ticket', async () => {
    const { token: ticket } = await tokens.issuePlayback({ tenantId: 'tenant-1', agentId: 'agent-1', recordingId: 'rec-1', epoch: 0, startedAt: new Date() }, 300);
    await expect(tokens.verify(ticket)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(await tokens.verifyPlayback(ticket)).toMatchObject({ tenantId: 'tenant-1', agentId: 'agent-1', recordingId: 'rec-1' });
    const { token: session } = await tokens.issueAgent(agent);
    await expect(tokens.verifyPlayback(session)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('ends every link of a playback by the time one sign-in would end, counted from its start', async () => {
    const shortLived = new SessionTokens(SECRET, { agentSeconds: 60, callSeconds: 60 });
    const startedAt = new Date(Date.now() - 50_000);
    const { ticket, token } = await shortLived.issuePlayback({ tenantId: 'tenant-1', agentId: 'agent-1', recordingId: 'rec-1', epoch: 0, startedAt }, 300);
    const end = Math.floor(startedAt.getTime() / 1000) * 1000 + 60_000;
    expect(ticket.expiresAt.getTime()).toBe(end);
    expect(await shortLived.verifyPlayback(token)).toMatchObject({ startedAt: new Date(end - 60_000), expiresAt: new Date(end) });
  });
});
