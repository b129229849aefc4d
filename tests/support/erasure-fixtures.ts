import { randomUUID } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { eq } from 'drizzle-orm';
import { encryptStream } from '../../media/encryption/format.js';
import { keyContext, newDataKey, wrapKey } from '../../media/encryption/keys.js';
import type { Db } from '../../backend/src/db/client.js';
import { agents, calls, cases, customers, dsarRequests, meetingTypes, recordings, subjectKeys } from '../../backend/src/db/schema/index.js';
import { subjectKeyFor } from '../../backend/src/services/recordings/keys.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import type { localStores } from './recording-fixtures.js';

/**
 * A data subject with `count` stored recordings and an erasure request about them, as the pipeline
 * and the request form leave them: rows, wrapped keys and blobs in the local store. One blob is a
 * real encrypted sample, to show an erasure makes it unreadable; the rest are sparse stand-ins of
 * `bytesEach` bytes, so size costs no disk.
 */
export async function seedErasureSubject(db: Db, keysAndStores: ReturnType<typeof localStores>, dataDir: string, options: { count: number; bytesEach: number }) {
  const { tenantId } = await provisionTenant(db, { host: 'zendesk', externalAccountId: `erasure-${randomUUID().slice(0, 8)}` });
  const [agent] = await db.insert(agents).values({ tenantId, host: 'zendesk', externalUserId: 'erasure-agent', displayName: 'Dana Agent' }).returning();
  const [type] = await db.select().from(meetingTypes).where(eq(meetingTypes.key, 'consultation'));
  const [customer] = await db.insert(customers).values({ tenantId, displayName: 'Erin Subject', email: 'erin@example.org' }).returning();
  const subject = await subjectKeyFor({ db, masterKeys: keysAndStores.masterKeys }, tenantId, customer!.id);

  const storeRoot = path.join(dataDir, 'store');
  const caseIds: string[] = [];
  for (let n = 0; n < 10; n += 1) {
    const [kase] = await db.insert(cases).values({ tenantId, host: 'zendesk', externalId: String(900_000 + n), customerId: customer!.id }).returning();
    caseIds.push(kase!.id);
  }
  const sampleKey = newDataKey();
  const sample = await buffer(Readable.from([Buffer.alloc(64 * 1024, 7)]).pipe(encryptStream(sampleKey, 'sample')));
  const rows: (typeof recordings.$inferInsert)[] = [];
  for (let n = 0; n < options.count; n += 1) {
    const id = randomUUID();
    const objectKey = `recordings/${id}.prly`;
    const key = n === 0 ? sampleKey : newDataKey();
    rows.push({
      id, tenantId, caseId: caseIds[n % caseIds.length]!, customerId: customer!.id, callId: randomUUID(), stage: 'done', rawDir: path.join(dataDir, 'raw', id),
      storageLocation: 'local', media: 'audio+video', objectKey, keyId: n === 0 ? 'sample' : id, wrappedKey: wrapKey(subject.key, key, keyContext('recording', id)), subjectKeyId: subject.id,
      sizeBytes: n === 0 ? sample.length : options.bytesEach, storedAt: new Date(Date.now() - 86_400_000),
    });
    const file = path.join(storeRoot, objectKey);
    await mkdir(path.dirname(file), { recursive: true });
    if (n === 0) await writeFile(file, sample);
    else {
      const handle = await open(file, 'w');
      await handle.truncate(options.bytesEach);
      await handle.close();
    }
  }
  for (let n = 0; n < rows.length; n += 200) {
    const chunk = rows.slice(n, n + 200);
    await db.insert(calls).values(
      chunk.map((r) => ({
        id: r.callId!, tenantId, caseId: r.caseId!, customerId: customer!.id, agentId: agent!.id, meetingTypeId: type!.id, state: 'ended' as const,
        mediaNodeId: 'janus-1', mediaRoomId: 4242, mediaRoomPin: '0000', mediaRoomSecret: 'secret', endedAt: new Date(),
      })),
    );
    await db.insert(recordings).values(chunk);
  }
  subject.key.fill(0);
  const [request] = await db
    .insert(dsarRequests)
    .values({ tenantId, kind: 'erasure', customerId: customer!.id, subjectDigest: 'erasure-fixture', verification: 'checked', dueAt: new Date(Date.now() + 30 * 86_400_000) })
    .returning();
  const [subjectRow] = await db.select().from(subjectKeys).where(eq(subjectKeys.customerId, customer!.id));
  return { tenantId, customerId: customer!.id, request: request!, rows, sample: { row: rows[0]!, bytes: sample }, subjectRow: subjectRow!, storeRoot };
}
