import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls } from '../../backend/src/db/schema/index.js';
import { escalation, startTestStack } from '../support/test-app.js';

describe('recording needs free disk', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let agent: string;

  beforeAll(async () => {
    // More free space than any disk has: every recording is refused.
    stack = await startTestStack('disk', { recordingMinFreeBytes: Number.MAX_SAFE_INTEGER });
    agent = await stack.t.signIn();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses to escalate to a meeting type that must be recorded, before the customer is asked', async () => {
    const advice = await stack.t.meetingType(agent, 'advice');
    const res = await stack.t.call('POST', '/api/calls', { token: agent, body: escalation(advice, 'disk-1') });
    expect(res.status).toBe(507);
    expect(res.body.error.code).toBe('RECORDING_DISK_FULL');
    expect(res.body.error.message).toMatch(/MiB of free disk/);
    expect((await stack.database.db.select({ n: count() }).from(calls))[0]!.n).toBe(0);
  });

  it('still lets calls go ahead that are never recorded', async () => {
    const support = await stack.t.meetingType(agent, 'support');
    expect((await stack.t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'disk-2') })).status).toBe(201);
  });
});
