import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { pgErrorCode } from '../../backend/src/db/errors.js';
import { calls, cases, customers, meetingTypes } from '../../backend/src/db/schema/index.js';
import { canTransition, type CallState } from '../../backend/src/services/calls/state-machine.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seedTenant } from '../support/recording-fixtures.js';

const STATES: CallState[] = ['created', 'active', 'ended', 'failed'];

describe.each(databaseKinds)('the database keeps the call state machine on %s', (kind) => {
  let database: Database;
  let seedCall: (state: CallState) => Promise<string>;

  beforeAll(async () => {
    database = await freshDatabase(kind);
    const db = database.db;
    const { tenantId, agentId } = await seedTenant(db, `state-machine-${kind}`);
    const [type] = await db.select({ id: meetingTypes.id }).from(meetingTypes).where(eq(meetingTypes.tenantId, tenantId)).limit(1);
    const [customer] = await db.insert(customers).values({ tenantId }).returning({ id: customers.id });
    const [kase] = await db.insert(cases).values({ tenantId, host: 'zendesk', externalId: '4711', customerId: customer!.id }).returning({ id: cases.id });
    seedCall = async (state) => {
      const [call] = await db
        .insert(calls)
        .values({ tenantId, caseId: kase!.id, customerId: customer!.id, agentId, meetingTypeId: type!.id, state, mediaNodeId: 'janus-1', mediaRoomId: 1, mediaRoomPin: '0000', mediaRoomSecret: 'secret' })
        .returning({ id: calls.id });
      return call!.id;
    };
  });
  afterAll(async () => {
    await database?.close();
  });

  // Every pair, against the code's table: the two must agree, whichever way a service writes.
  const pairs = STATES.flatMap((from) => STATES.filter((to) => to !== from).map((to) => [from, to, canTransition(from, to)] as const));

  it.each(pairs)('%s → %s allowed: %s', async (from, to, allowed) => {
    const id = await seedCall(from);
    const move = database.db.update(calls).set({ state: to }).where(eq(calls.id, id));
    if (allowed) {
      await move;
      expect((await database.db.select({ state: calls.state }).from(calls).where(eq(calls.id, id)))[0]!.state).toBe(to);
    } else {
      const refused = await move.then(() => null, (error: unknown) => error);
      expect(pgErrorCode(refused)).toBe('23514');
      // drizzle wraps the database's error; the reason is the database's own.
      expect((refused as { cause?: Error }).cause?.message).toContain(`a call that is ${from} cannot become ${to}`);
      expect((await database.db.select({ state: calls.state }).from(calls).where(eq(calls.id, id)))[0]!.state).toBe(from);
    }
  });

  it('lets a call be updated without moving, e.g. recording on or off', async () => {
    const id = await seedCall('active');
    await database.db.update(calls).set({ recordingActive: true }).where(eq(calls.id, id));
    await database.db.update(calls).set({ state: 'active' }).where(eq(calls.id, id));
    expect((await database.db.select({ state: calls.state, recordingActive: calls.recordingActive }).from(calls).where(eq(calls.id, id)))[0]).toEqual({ state: 'active', recordingActive: true });
  });
});
