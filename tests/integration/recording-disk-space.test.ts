import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { calls } from '../../backend/src/db/schema/index.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { freshDatabase } from '../support/databases.js';
import { buildTestApp, escalation, startTestJanus } from '../support/test-app.js';

describe('recording needs free disk', () => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let agent: string;

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-disk-'));
    [database, janus] = await Promise.all([freshDatabase('pglite'), startTestJanus(baseDir)]);
    // More free space than any disk has: every recording is refused.
    t = await buildTestApp(database, janus, { recordingMinFreeBytes: Number.MAX_SAFE_INTEGER });
    agent = await t.signIn();
  });
  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  it('refuses to escalate to a meeting type that must be recorded, before the customer is asked', async () => {
    const advice = await t.meetingType(agent, 'advice');
    const res = await t.call('POST', '/api/calls', { token: agent, body: escalation(advice, 'disk-1') });
    expect(res.status).toBe(507);
    expect(res.body.error.code).toBe('RECORDING_DISK_FULL');
    expect(res.body.error.message).toMatch(/MiB of free disk/);
    expect((await database.db.select({ n: count() }).from(calls))[0]!.n).toBe(0);
  });

  it('still lets calls go ahead that are never recorded', async () => {
    const support = await t.meetingType(agent, 'support');
    expect((await t.call('POST', '/api/calls', { token: agent, body: escalation(support, 'disk-2') })).status).toBe(201);
  });
});
