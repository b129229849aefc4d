import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { meetingTypes } from '../../backend/src/db/schema/index.js';
import { latestNotice } from '../../backend/src/services/notices/publish.js';
import { refreshAllNotices } from '../../backend/src/services/notices/refresh.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import { and, eq } from 'drizzle-orm';
import { databaseKinds, freshDatabase } from '../support/databases.js';

describe.each(databaseKinds)('notices brought up to date with the deployment at start, on %s', (kind) => {
  let database: Database;
  const logger = pino({ level: 'silent' });
  const inEu = new Map([['local', { region: 'eu' }]]);

  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  const storageOf = async (tenantId: string, key: 'advice' | 'support') => {
    const [type] = await database.db.select({ id: meetingTypes.id }).from(meetingTypes).where(and(eq(meetingTypes.tenantId, tenantId), eq(meetingTypes.key, key)));
    const notice = await latestNotice(database.db, tenantId, type!.id, 'en');
    return { version: notice!.version, storage: notice!.content.sections.find((s) => s.key === 'storage')!.paragraphs };
  };

  it('publishes new versions where the region of a storage location changed, and nothing when it did not', async () => {
    const { tenantId } = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: `moved-${kind}` }, { preconfigured: true, places: inEu });
    // An account that records nothing says nothing about a place, whatever the configuration.
    const { tenantId: quiet } = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: `quiet-${kind}` });
    expect((await storageOf(tenantId, 'advice')).storage[1]).toBe('Recordings of this call are stored in the European Union.');

    expect(await refreshAllNotices({ db: database.db, places: inEu, logger })).toMatchObject({ tenants: 2, published: 0, failed: 0 });

    // The operator moved the data dir's disk to London (LOCAL_STORAGE_REGION=eu-west-2).
    const london = new Map([['local', { region: 'eu-west-2' }]]);
    // Advice and Consultation record, in five languages each; Support never records.
    expect(await refreshAllNotices({ db: database.db, places: london, logger })).toMatchObject({ tenants: 2, published: 10, failed: 0 });
    const advice = await storageOf(tenantId, 'advice');
    expect(advice.version).toBe(2);
    expect(advice.storage[1]).toContain('outside the European Union, in London, United Kingdom');
    expect((await storageOf(tenantId, 'support')).version).toBe(1);
    expect((await storageOf(quiet, 'advice')).version).toBe(1);
    expect(await refreshAllNotices({ db: database.db, places: london, logger })).toMatchObject({ published: 0 });
  });

  it('reports an account whose meeting type records to a location the deployment lacks, and goes on with the rest', async () => {
    const { tenantId } = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: `lost-${kind}` }, { preconfigured: true, places: inEu });
    await database.db.update(meetingTypes).set({ storageLocation: 'gone-s3' }).where(and(eq(meetingTypes.tenantId, tenantId), eq(meetingTypes.key, 'advice')));
    const warnings: unknown[] = [];
    const listening = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const result = await refreshAllNotices({ db: database.db, places: new Map([['local', { region: 'eu-central-1' }]]), logger: listening });
    expect(result.failed).toBe(1);
    expect(result.published).toBeGreaterThan(0);
    expect(warnings).toEqual([expect.objectContaining({ tenantId, err: expect.objectContaining({ message: expect.stringContaining('gone-s3') }) })]);
    // Nothing of that account changed: its transaction rolled back whole.
    expect((await storageOf(tenantId, 'advice')).version).toBe(1);
  });
});
