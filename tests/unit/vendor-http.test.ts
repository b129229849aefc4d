import { describe, expect, it } from 'vitest';
import { failureInjector } from '../../backend/src/adapters/http/fake-server-kit.js';
import { parseRetryAfter, vendorRequest, VendorHttpError, VendorUnreachableError, type VendorRequest } from '../../backend/src/adapters/http/vendor-http.js';

/** A fetch that answers from a function instead of the network, recording what was asked. */
function scriptedFetch(answer: (init: RequestInit) => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return answer(init ?? {});
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

function request(fetch: typeof globalThis.fetch, overrides: Partial<VendorRequest> = {}): VendorRequest {
  return {
    vendor: 'SunCo',
    fetch,
    method: 'POST',
    url: 'https://vendor.example/v2/things',
    body: '{"a":1}',
    authorization: 'Basic a2V5OnNlY3JldA==',
    timeoutMs: 1_000,
    retryAfterStatuses: [429],
    errorCode: (body) => (body as { code?: string } | undefined)?.code,
    ...overrides,
  };
}

/** A 2xx whose body breaks off after the status line, as when the connection resets mid-answer. */
const brokenBody = () =>
  new Response(
    new ReadableStream({
      start(controller) {
        controller.error(new Error('socket reset'));
      },
    }),
    { status: 201 },
  );

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the request should have failed'),
    (error: unknown) => error,
  );
}

describe('vendor HTTP', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7_000);
    expect(parseRetryAfter('1.5')).toBe(1_500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', Date.parse('2026-01-02T00:00:00Z'))).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('sends once, never follows a redirect, and lets the caller’s headers replace the JSON defaults', async () => {
    const { fetch, calls } = scriptedFetch(() => new Response('{"ok":true}', { status: 200 }));
    const answer = await vendorRequest(request(fetch, { headers: { Accept: '*/*', 'X-Trace': 't-1' } }));
    expect(answer.text).toBe('{"ok":true}');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.init.redirect).toBe('manual');
    expect(calls[0]!.init.headers).toEqual({
      accept: '*/*',
      'content-type': 'application/json',
      'x-trace': 't-1',
      authorization: 'Basic a2V5OnNlY3JldA==',
    });

    const redirect = scriptedFetch(() => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } }));
    const error = await failure(vendorRequest(request(redirect.fetch)));
    expect(error).toBeInstanceOf(VendorHttpError);
    expect(error).toMatchObject({ vendor: 'SunCo', status: 302, message: 'HTTP 302' });
  });

  it('reads Retry-After only on the statuses the adapter names', async () => {
    const answer = (status: number) => scriptedFetch(() => Response.json({ code: 'busy' }, { status, headers: { 'retry-after': '7' } })).fetch;
    expect(await failure(vendorRequest(request(answer(429))))).toMatchObject({ status: 429, code: 'busy', retryAfterMs: 7_000 });
    expect(await failure(vendorRequest(request(answer(503))))).toMatchObject({ status: 503, retryAfterMs: undefined });
    expect(await failure(vendorRequest(request(answer(503), { retryAfterStatuses: [429, 503] })))).toMatchObject({ status: 503, retryAfterMs: 7_000 });
    expect(await failure(vendorRequest(request(answer(502), { retryAfterStatuses: 'any' })))).toMatchObject({ status: 502, retryAfterMs: 7_000 });
  });

  it('keeps only a short error code, and none from a body that is not JSON', async () => {
    const long = scriptedFetch(() => Response.json({ code: 'x'.repeat(200), title: 'quotes the rejected text' }, { status: 400 }));
    const error = (await failure(vendorRequest(request(long.fetch)))) as VendorHttpError;
    expect(error.code).toBe('x'.repeat(80));
    expect(error.message).not.toContain('quotes');

    const html = scriptedFetch(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    expect(await failure(vendorRequest(request(html.fetch)))).toMatchObject({ status: 502, code: undefined, message: 'HTTP 502' });
  });

  it('tells a deadline that ran out from a request that failed, and never carries a socket code', async () => {
    // Like fetch: no answer ever, until the signal aborts the request.
    const never = scriptedFetch((init) => {
      const signal = init.signal!;
      return new Promise<Response>((_resolve, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason));
      });
    });
    const slow = await failure(vendorRequest(request(never.fetch, { timeoutMs: 50 })));
    expect(slow).toBeInstanceOf(VendorUnreachableError);
    expect(slow).toMatchObject({ vendor: 'SunCo', timedOut: true, message: 'no answer within 50 ms' });

    const refused = scriptedFetch(() => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    });
    const down = await failure(vendorRequest(request(refused.fetch)));
    expect(down).toMatchObject({ timedOut: false, message: 'request failed: ECONNREFUSED' });
    // botbuilder's pipeline retries any error whose `code` is a socket error; only the outbox may.
    expect(down).not.toHaveProperty('code');

    const cancelled = new AbortController();
    cancelled.abort();
    expect(await failure(vendorRequest(request(never.fetch, { signal: cancelled.signal })))).toMatchObject({ timedOut: false });
  });

  it('treats a body that breaks off as unreachable, unless the caller counts any 2xx as sent', async () => {
    const { fetch } = scriptedFetch(brokenBody);
    expect(await failure(vendorRequest(request(fetch)))).toBeInstanceOf(VendorUnreachableError);
    expect(await vendorRequest(request(fetch, { unreadableBody: 'empty' }))).toMatchObject({ status: 201, text: '' });
  });
});

describe('fake vendor failures', () => {
  it('serves queued failures first and draws on random only while a ratio is set', () => {
    let draws = 0;
    const injector = failureInjector(() => (draws++, 0));
    expect(injector.next()).toBeUndefined();
    expect(draws).toBe(0);

    injector.controls.failNext(1, 500);
    injector.controls.setRateLimit(1, { retryAfterSeconds: 30 });
    expect(injector.next()).toEqual({ status: 500, retryAfterSeconds: undefined });
    expect(injector.next()).toEqual({ status: 429, retryAfterSeconds: 30 });
    expect(draws).toBe(1);

    injector.controls.setRateLimit(0);
    injector.controls.setServerErrors(1, 502);
    expect(injector.next()).toEqual({ status: 502 });
  });
});
