import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationsFolder, type Db } from '../../backend/src/db/client.js';
import * as schema from '../../backend/src/db/schema/index.js';
import { calls, cases, consentRequests, customers, meetingTypes, noticeVersions, outboxMessages } from '../../backend/src/db/schema/index.js';
import { seedTenant } from '../support/recording-fixtures.js';

/** The committed migrations up to and including `lastTag`, as a folder of their own. */
function migrationsUpTo(lastTag: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'parley-migrations-'));
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] };
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  expect(last).toBeGreaterThan(0);
  writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, last + 1) }));
  return folder;
}

describe('migration 0023: the chat each consent offer went into', () => {
  const folders: string[] = [];
  afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

  it('fills in existing offers from their queued invitation, else from their case, and leaves tickets empty', async () => {
    const client = new PGlite();
    const db = drizzle(client, { schema, casing: 'snake_case' });
    const before = migrationsUpTo('0022_call_media_unreleased_index');
    folders.push(before);
    await migrate(db, { migrationsFolder: before });

    const { tenantId, agentId } = await seedTenant(db as unknown as Db, 'migration-co');
    const [type] = await db.select().from(meetingTypes).where(eq(meetingTypes.tenantId, tenantId)).limit(1);
    const [notice] = await db.select({ id: noticeVersions.id }).from(noticeVersions).where(eq(noticeVersions.meetingTypeId, type!.id)).limit(1);
    const [customer] = await db.insert(customers).values({ tenantId, displayName: 'Chris Customer' }).returning();
    /** A call on a case, and its consent offer as written before the column existed. */
    const offer = async (channel: 'zendesk_messaging' | 'teams_chat' | 'zendesk_ticket', conversationId: string | null, invitedTo?: string) => {
      const [kase] = await db
        .insert(cases)
        .values({ tenantId, host: 'zendesk', externalId: `ticket-${Math.random()}`, customerId: customer!.id, channel, conversationId })
        .returning();
      const [call] = await db
        .insert(calls)
        .values({ tenantId, caseId: kase!.id, customerId: customer!.id, agentId, meetingTypeId: type!.id, mediaNodeId: 'janus-1', mediaRoomId: 1, mediaRoomPin: '0', mediaRoomSecret: 's' })
        .returning();
      await db.execute(sql`
        insert into consent_requests (tenant_id, call_id, customer_id, token_hash, channel, notice_version_id, language, expires_at)
        values (${tenantId}, ${call!.id}, ${customer!.id}, ${`hash-${call!.id}`}, ${channel}, ${notice!.id}, 'en', now())`);
      if (invitedTo) {
        await db.insert(outboxMessages).values({ tenantId, kind: 'sunco.message', idempotencyKey: `call:${call!.id}:invitation`, payload: { conversationId: invitedTo, text: 'offer' } });
      }
      return { caseId: kase!.id, callId: call!.id };
    };
    // The invitation went to conversation A; a later escalation moved the case to B.
    const moved = await offer('zendesk_messaging', 'conversation-b', 'conversation-a');
    const unqueued = await offer('teams_chat', '19:chat@thread.v2');
    const ticket = await offer('zendesk_ticket', null);

    await migrate(db, { migrationsFolder });
    const chatOf = async (callId: string) => (await db.select().from(consentRequests).where(eq(consentRequests.callId, callId)))[0]!.conversationId;
    expect(await chatOf(moved.callId)).toBe('conversation-a');
    expect(await chatOf(unqueued.callId)).toBe('19:chat@thread.v2');
    expect(await chatOf(ticket.callId)).toBeNull();
    await client.close();
  });
});
