import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ZendeskApi } from '../../backend/src/adapters/zendesk/api.js';
import { startFakeZendesk, type FakeZendesk } from '../../backend/src/adapters/zendesk/fake-server.js';
import { bodyWithReference, commentReference, parleyReference, ZendeskTicketCommentDeliverer } from '../../backend/src/adapters/zendesk/ticket-comments.js';
import type { ZendeskAuth } from '../../backend/src/adapters/zendesk/types.js';
import type { OutboxEnvelope } from '../../backend/src/ports/outbox-delivery.js';

const auth: ZendeskAuth = { email: 'bot@example.test', apiToken: 'unit-token-1' };

function note(overrides: Partial<OutboxEnvelope<'zendesk.ticket_comment'>> = {}, payload: Partial<OutboxEnvelope<'zendesk.ticket_comment'>['payload']> = {}) {
  return {
    id: crypto.randomUUID(),
    tenantId: 't-1',
    kind: 'zendesk.ticket_comment' as const,
    idempotencyKey: `key-${crypto.randomUUID()}`,
    attempts: 0,
    ...overrides,
    payload: { ticketId: '42', body: 'Video call offered.', public: false, ...payload },
  };
}

/** A fetch that answers from a table instead of the network, recording what was asked. */
function scriptedFetch(answer: (url: string, init: RequestInit) => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return answer(String(input), init ?? {});
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('Zendesk ticket comment deliverer', () => {
  let fake: FakeZendesk;
  let deliverer: ZendeskTicketCommentDeliverer;

  beforeAll(async () => {
    fake = await startFakeZendesk({ credentials: auth, tickets: [42] });
    deliverer = new ZendeskTicketCommentDeliverer({ baseUrlFor: () => `${fake.url}/`, auth, timeoutMs: 2_000 });
  });
  afterAll(() => fake?.close());

  it('ends every body with a short reference that hides the idempotency key', () => {
    expect(commentReference('call-9:offered')).toMatch(/^P-[0-9a-f]{10}$/);
    expect(commentReference('call-9:offered')).toBe(commentReference('call-9:offered'));
    expect(commentReference('call-9:offered')).not.toBe(commentReference('call-9:consented'));
    expect(bodyWithReference('Consent recorded.\n', 'k')).toBe(`Consent recorded.\n\nRef: ${commentReference('k')}`);
  });

  it('knows a note as Parley’s by the reference line it ends with, and not by one quoted in the middle', () => {
    const note = { body: bodyWithReference('Parley: video call offered.', 'call-9:offered') };
    expect(parleyReference(note)).toBe(commentReference('call-9:offered'));
    expect(parleyReference({ plain_body: `${note.body}\n` })).toBe(commentReference('call-9:offered'));
    expect(parleyReference({ body: `I got your note (Ref: ${commentReference('x')}), please call me.` })).toBeNull();
    expect(parleyReference({ body: 'Thanks!' })).toBeNull();
  });

  it.each([
    [429, { retryAfterSeconds: 7 }, { outcome: 'retry', retryAfterMs: 7_000 }],
    [429, {}, { outcome: 'retry' }],
    [500, {}, { outcome: 'retry' }],
    [502, {}, { outcome: 'retry' }],
    [503, { retryAfterSeconds: 60 }, { outcome: 'retry' }],
    [504, {}, { outcome: 'retry' }],
    [409, {}, { outcome: 'retry' }],
    [400, {}, { outcome: 'rejected' }],
    [401, {}, { outcome: 'rejected' }],
    [403, {}, { outcome: 'rejected' }],
    [404, {}, { outcome: 'rejected' }],
    [422, {}, { outcome: 'rejected' }],
  ] as const)('maps HTTP %i %o to %o', async (status, options, expected) => {
    fake.failNext(1, status, options);
    const result = await deliverer.deliver(note());
    expect(result).toMatchObject(expected);
    if (!('retryAfterMs' in expected)) expect(result).not.toHaveProperty('retryAfterMs');
    expect(result).toHaveProperty('error', expect.stringContaining(`HTTP ${status}`));
  });

  it('delivers on 2xx, and a missing ticket is rejected for good', async () => {
    expect(await deliverer.deliver(note())).toEqual({ outcome: 'delivered' });
    expect(await deliverer.deliver(note({}, { ticketId: '4040' }))).toEqual({ outcome: 'rejected', error: 'Zendesk HTTP 404 RecordNotFound' });
  });

  it('retries when Zendesk cannot be reached or does not answer in time', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const unreachable = new ZendeskTicketCommentDeliverer({ baseUrlFor: () => `http://127.0.0.1:${closed}`, auth, timeoutMs: 2_000 });
    expect(await unreachable.deliver(note())).toEqual({ outcome: 'retry', error: 'Zendesk request failed: ECONNREFUSED' });

    fake.setLatency(400);
    try {
      const impatient = new ZendeskTicketCommentDeliverer({ baseUrlFor: () => fake.url, auth, timeoutMs: 100 });
      expect(await impatient.deliver(note())).toEqual({ outcome: 'retry', error: 'Zendesk no answer within 100 ms' });
    } finally {
      fake.setLatency(0);
      // The timed-out update still lands once the delay is over; a later test counting ticket 42's comments must not see it arrive.
      await vi.waitFor(() => expect(fake.requests().filter((r) => r.status === 0)).toEqual([]));
    }
  });

  it('refuses a payload whose ticket id could steer the URL, without sending anything', async () => {
    const before = fake.requests().length;
    expect(await deliverer.deliver(note({}, { ticketId: '42/../../users/1' }))).toMatchObject({ outcome: 'rejected' });
    expect(await deliverer.deliver({ ...note(), payload: { ticketId: '42' } as never })).toMatchObject({ outcome: 'rejected' });
    expect(fake.requests().length).toBe(before);
  });

  it('follows cursor pagination to find a comment an earlier attempt already posted', async () => {
    const cursorFake = await startFakeZendesk({ credentials: auth, tickets: [7], pagination: 'cursor', maxPerPage: 1 });
    try {
      const d = new ZendeskTicketCommentDeliverer({ baseUrlFor: () => cursorFake.url, auth, timeoutMs: 2_000 });
      const first = note({}, { ticketId: '7' });
      await d.deliver(first);
      for (let i = 0; i < 3; i++) await d.deliver(note({}, { ticketId: '7' }));
      expect(await d.deliver({ ...first, attempts: 1 })).toEqual({ outcome: 'delivered' });
      expect(cursorFake.comments(7)).toHaveLength(4);
      expect(cursorFake.requests().filter((r) => r.method === 'GET')).toHaveLength(4);
      expect(cursorFake.requests().filter((r) => r.method === 'PUT')).toHaveLength(4);
    } finally {
      await cursorFake.close();
    }
  });

  it('posts after a retry when no earlier comment carries the reference', async () => {
    const retried = note({ attempts: 3 });
    const countBefore = fake.comments(42).length;
    expect(await deliverer.deliver(retried)).toEqual({ outcome: 'delivered' });
    expect(fake.comments(42)).toHaveLength(countBefore + 1);
    expect(fake.comments(42).at(-1)?.body).toBe(bodyWithReference(retried.payload.body, retried.idempotencyKey));
  });

  it('never sends the credentials to another origin while paging', async () => {
    const { fetch, calls } = scriptedFetch(() =>
      Response.json({ comments: [], next_page: 'https://elsewhere.example/api/v2/tickets/42/comments.json?page=2' }),
    );
    const d = new ZendeskTicketCommentDeliverer({ baseUrlFor: () => 'https://acme.zendesk.example', auth, timeoutMs: 1_000, fetch });
    expect(await d.deliver(note({ attempts: 1 }))).toEqual({ outcome: 'retry', error: 'Zendesk comment pagination points to another origin' });
    expect(calls.map((c) => new URL(c.url).origin)).toEqual(['https://acme.zendesk.example']);
  });

  it('does not follow redirects, and treats an unreadable 2xx body as delivered', async () => {
    const redirect = scriptedFetch(() => new Response(null, { status: 301, headers: { location: 'https://elsewhere.example/' } }));
    const d1 = new ZendeskTicketCommentDeliverer({ baseUrlFor: () => 'https://acme.zendesk.example', auth, timeoutMs: 1_000, fetch: redirect.fetch });
    expect(await d1.deliver(note())).toEqual({ outcome: 'rejected', error: 'Zendesk HTTP 301' });
    expect(redirect.calls[0]!.init.redirect).toBe('manual');

    const odd = scriptedFetch(() => new Response('<html>ok</html>', { status: 200 }));
    const d2 = new ZendeskTicketCommentDeliverer({ baseUrlFor: () => 'https://acme.zendesk.example', auth, timeoutMs: 1_000, fetch: odd.fetch });
    expect(await d2.deliver(note())).toEqual({ outcome: 'delivered' });
  });

  it('authenticates with an API token or an OAuth token, as Zendesk expects', async () => {
    const seen: string[] = [];
    const { fetch } = scriptedFetch((_url, init) => {
      seen.push(String((init.headers as Record<string, string>).authorization));
      return Response.json({});
    });
    await new ZendeskTicketCommentDeliverer({ baseUrlFor: () => 'https://a.example', auth, timeoutMs: 1_000, fetch }).deliver(note());
    await new ZendeskTicketCommentDeliverer({ baseUrlFor: () => 'https://a.example', auth: { oauthToken: 'oa-1' }, timeoutMs: 1_000, fetch }).deliver(note());
    expect(seen).toEqual([`Basic ${Buffer.from('bot@example.test/token:unit-token-1').toString('base64')}`, 'Bearer oa-1']);
  });
});

describe('fake Zendesk', () => {
  it('checks credentials, knows its tickets and creates them on demand when asked to', async () => {
    const strict = await startFakeZendesk({ credentials: auth, tickets: [5] });
    const lenient = await startFakeZendesk({ credentials: { oauthToken: 'demo' }, autoCreateTickets: true });
    try {
      const api = new ZendeskApi({ auth, timeoutMs: 1_000 });
      expect(await api.getTicket(strict.url, '5')).toMatchObject({ id: 5, status: 'open' });
      await expect(api.getTicket(strict.url, '6')).rejects.toMatchObject({ status: 404 });
      await expect(new ZendeskApi({ auth: { ...auth, apiToken: 'nope' }, timeoutMs: 1_000 }).getTicket(strict.url, '5')).rejects.toMatchObject({ status: 401 });

      const demo = new ZendeskApi({ auth: { oauthToken: 'demo' }, timeoutMs: 1_000 });
      await demo.addComment(lenient.url, '77', { body: 'hello', public: false });
      expect(lenient.comments(77)).toMatchObject([{ body: 'hello', public: false, type: 'Comment', author_id: expect.any(Number) }]);
    } finally {
      await strict.close();
      await lenient.close();
    }
  });
});
