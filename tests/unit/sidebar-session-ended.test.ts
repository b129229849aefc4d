import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../plugin/src/api.js';
import type { DemoSessionResponse } from '../../plugin/src/api-types.js';
import { pollShowingFailures } from '../../plugin/src/poll.js';
import { AgentSession, SessionEndedError } from '../../plugin/src/sidebar/session.js';

const identity = { accountId: 'acme', userId: '7', name: 'Dana Agent', organizations: [] };

/** What POST /zendesk/sidebar hands to the page: a session that cannot be renewed from the page. */
function handover(expiresInMs: number): DemoSessionResponse {
  return { token: 'handed-over-token', agent: { id: 'a1', name: 'Dana Agent' }, expiresAt: new Date(Date.now() + expiresInMs).toISOString() };
}

const envelope = (status: number, code: string, message: string) =>
  new Response(JSON.stringify({ error: { code, message, requestId: `req-${status}` } }), { status, headers: { 'content-type': 'application/json' } });

/** The backend as the browser's fetch sees it: answers in turn (the last one repeats), and every path asked. */
function backend(...answers: (() => Response)[]) {
  const asked: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string) => {
      asked.push(path);
      return answers[Math.min(asked.length - 1, answers.length - 1)]!();
    }),
  );
  return asked;
}

const expired = () => envelope(401, 'UNAUTHENTICATED', 'The session has expired.');

async function signedInSession() {
  const session = new AgentSession(identity, handover(5 * 60_000));
  await session.signIn();
  const told: string[] = [];
  session.onEnded((error) => told.push(error.message));
  return { session, told };
}

describe('the sidebar once its Parley session has ended', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('is told once, with how to sign in again, and asks the server nothing more', async () => {
    const asked = backend(expired);
    const { session, told } = await signedInSession();

    await expect(session.request('/api/calls/c1')).rejects.toThrow(SessionEndedError);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/session has ended.*reload/i);
    expect(session.ended).toBe(true);

    // Later actions fail at once with the same words instead of asking the server every time.
    await expect(session.request('/api/calls/c1/end')).rejects.toThrow(told[0]);
    await expect(session.signIn()).rejects.toThrow(told[0]);
    expect(asked).toEqual(['/api/calls/c1']);
    expect(told).toHaveLength(1);
  });

  it('says it once when several polls find out at the same moment', async () => {
    backend(expired);
    const { session, told } = await signedInSession();
    const results = await Promise.allSettled([session.request('/api/calls/c1'), session.request('/api/cases/zendesk/9001/live-calls')]);
    expect(results.map((r) => r.status === 'rejected' && r.reason instanceof SessionEndedError)).toEqual([true, true]);
    expect(told).toHaveLength(1);
  });

  it('stays signed in when the server fails for another reason', async () => {
    backend(() => envelope(500, 'INTERNAL', 'Database unavailable'));
    const { session, told } = await signedInSession();
    await expect(session.request('/api/meeting-types')).rejects.toThrow(ApiError);
    expect(session.ended).toBe(false);
    expect(told).toEqual([]);
  });

  it('cannot sign in with a handed-over session that expired before the sidebar loaded', async () => {
    const asked = backend(expired);
    const session = new AgentSession(identity, handover(-1000));
    await expect(session.signIn()).rejects.toThrow(/session has ended/);
    expect(asked).toEqual([]);
  });
});

describe('a sidebar view polling when the session ends', () => {
  beforeEach(() => {
    // Only the poll's timers: reading a Response body needs the real event loop.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('stops for good when it stops on being told, and never shows the ending as a failed poll', async () => {
    const asked = backend(() => Response.json({ call: { state: 'active' } }), expired);
    const { session } = await signedInSession();
    const seen: string[] = [];
    const stop = pollShowingFailures(
      () => session.request<{ call: { state: string } }>('/api/calls/c1'),
      ({ call }) => seen.push(`show ${call.state}`),
      2000,
      { failed: (error) => seen.push(`error ${(error as Error).message}`), recovered: () => seen.push('error cleared') },
    );
    session.onEnded(stop);

    await vi.advanceTimersByTimeAsync(20_000);
    expect(seen).toEqual(['show active']);
    expect(asked).toEqual(['/api/calls/c1', '/api/calls/c1']);
  });
});
