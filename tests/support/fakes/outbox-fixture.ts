import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { asc, eq } from 'drizzle-orm';
import { startFakeZendesk, type FakeZendesk, type FakeZendeskOptions } from '../../../backend/src/adapters/zendesk/fake-server.js';
import { commentReference, ZendeskTicketCommentDeliverer } from '../../../backend/src/adapters/zendesk/ticket-comments.js';
import type { ZendeskAuth } from '../../../backend/src/adapters/zendesk/types.js';
import type { Db } from '../../../backend/src/db/client.js';
import { outboxMessages, tenants } from '../../../backend/src/db/schema/index.js';
import { createLogger } from '../../../backend/src/logger.js';
import type { AgentPrincipal } from '../../../backend/src/services/principal.js';
import { enqueueMessage } from '../../../backend/src/services/outbox/enqueue.js';
import { createOutboxWorker, type OutboxWorkerOptions } from '../../../backend/src/services/outbox/worker.js';
import { seedAgent } from '../principals.js';

export const apiTokenAuth = { email: 'parley-bot@example.test', apiToken: 'zd-test-api-token-7Hq2' } satisfies ZendeskAuth;
export const oauthAuth = { oauthToken: 'zd-test-oauth-token-Xk91' } satisfies ZendeskAuth;

/** Every note body carries this, so a test can prove that no log line ever held note text. */
export const NOTE_MARKER = 'Frau Beispiel-Mustermann';

export function startFake(options: Partial<FakeZendeskOptions> = {}): Promise<FakeZendesk> {
  return startFakeZendesk({ credentials: [apiTokenAuth, oauthAuth], ...options });
}

export function deliverer(fake: FakeZendesk, options: { auth?: ZendeskAuth; timeoutMs?: number } = {}) {
  return new ZendeskTicketCommentDeliverer({ baseUrlFor: () => fake.url, auth: options.auth ?? apiTokenAuth, timeoutMs: options.timeoutMs ?? 5_000 });
}

/** A clock the test moves by hand; starts a second ahead so rows the database just stamped are due. */
export function manualClock(start = Date.now() + 1_000) {
  let current = start;
  return {
    now: () => new Date(current),
    get ms() {
      return current;
    },
    advance(ms: number) {
      current += ms;
    },
  };
}

export function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

export function worker(db: Db, fake: FakeZendesk, options: Partial<OutboxWorkerOptions> & { timeoutMs?: number } = {}) {
  const { timeoutMs, ...rest } = options;
  return createOutboxWorker({
    db,
    deliverers: { 'zendesk.ticket_comment': deliverer(fake, { timeoutMs }) },
    logger: captureLogs().logger,
    baseDelayMs: 1_000,
    maxDelayMs: 10_000,
    leaseMs: 30_000,
    batchSize: 10,
    pollIntervalMs: 20,
    ...rest,
  });
}

export async function createTenant(db: Db): Promise<{ tenantId: string; admin: AgentPrincipal }> {
  const [tenant] = await db.insert(tenants).values({ name: `tenant-${randomUUID().slice(0, 8)}` }).returning();
  return { tenantId: tenant!.id, admin: await seedAgent(db, tenant!.id, { roles: ['admin'], name: 'Admin' }) };
}

export async function enqueueNote(db: Db, tenantId: string, ticketId: number | string, key: string = randomUUID(), options: { public?: boolean } = {}) {
  await db.transaction((tx) =>
    enqueueMessage(tx, {
      tenantId,
      kind: 'zendesk.ticket_comment',
      idempotencyKey: key,
      payload: { ticketId: String(ticketId), body: `Video call offered to ${NOTE_MARKER}, notice v3 sent (${key}).`, public: options.public ?? false },
    }),
  );
  return key;
}

export async function outboxRows(db: Db, tenantId: string) {
  return db.select().from(outboxMessages).where(eq(outboxMessages.tenantId, tenantId)).orderBy(asc(outboxMessages.createdAt), asc(outboxMessages.idempotencyKey));
}

/** How many comments on the fake carry each key's reference: exactly once means every count is 1. */
export function referenceCounts(fake: FakeZendesk, ticketIds: (number | string)[], keys: string[]): Map<string, number> {
  const bodies = ticketIds.flatMap((id) => fake.comments(id).map((c) => c.body ?? ''));
  return new Map(keys.map((key) => [key, bodies.filter((b) => b.endsWith(`Ref: ${commentReference(key)}`)).length]));
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
