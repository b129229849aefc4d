import { Readable } from 'node:stream';
import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import {
  agentClients,
  agentRoles,
  agents,
  clients,
  customers,
  dsarRequests,
  installations,
  legalHolds,
  meetingTypes,
  noticeVersions,
  roles,
  samlConfigs,
  tenants,
  userGroupMembers,
  userGroups,
} from '../../db/schema/index.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { MasterKeys } from '../../ports/master-keys.js';
import { streamAuditEvents } from '../audit/export.js';
import type { BundleContents, BundleEntry } from '../dsar/export/bundle.js';
import { collectSubjectData } from '../dsar/export/collect.js';
import { subjectRecordings } from '../dsar/export/subject-recordings.js';

const README = `Parley account export

account.json                          the account: settings, installations, meeting types, roles,
                                      users, clients, privacy notice versions, legal holds and
                                      data-subject requests
customers/<id>/data.json              everything held about one customer, as an access request
                                      (GDPR Art. 15) would give it to them
customers/<id>/recordings/<id>.webm   that customer's recordings, decrypted, every part of them
                                      authenticated; data.json gives each one's SHA-256
audit/events.jsonl                    the whole audit trail, chain fields included, with sealed
                                      personal data opened

Verify the audit chain with the format in CHAIN.md of the Parley source.
`;

/** A small file written when the bundle reaches it, so only one customer's data is in memory at a time. */
function lazyJson(entryName: string, build: () => Promise<unknown>): BundleEntry {
  return {
    entryName,
    async open() {
      const body = `${JSON.stringify(await build(), null, 2)}\n`;
      return { stream: Readable.from([Buffer.from(body, 'utf8')]), close: async () => undefined };
    },
  };
}

/** The account's own configuration and people, without secrets (SCIM token hashes, media-room secrets). */
async function accountData(db: DbOrTx, tenantId: string) {
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, tenantId));
  const people = await db.select().from(agents).where(eq(agents.tenantId, tenantId)).orderBy(asc(agents.createdAt));
  const peopleIds = new Set(people.map((p) => p.id));
  const [roleRows, assignedRoles, clientRows, assignedClients, groups, groupMembers] = await Promise.all([
    db.select().from(roles).where(eq(roles.tenantId, tenantId)),
    db.select().from(agentRoles).innerJoin(roles, eq(roles.id, agentRoles.roleId)).where(eq(roles.tenantId, tenantId)),
    db.select().from(clients).where(eq(clients.tenantId, tenantId)),
    db.select().from(agentClients).innerJoin(clients, eq(clients.id, agentClients.clientId)).where(eq(clients.tenantId, tenantId)),
    db.select().from(userGroups).where(eq(userGroups.tenantId, tenantId)),
    db.select().from(userGroupMembers).innerJoin(userGroups, eq(userGroups.id, userGroupMembers.groupId)).where(eq(userGroups.tenantId, tenantId)),
  ]);
  return {
    formatVersion: 1,
    tenant,
    installations: await db.select().from(installations).where(eq(installations.tenantId, tenantId)),
    meetingTypes: await db.select().from(meetingTypes).where(eq(meetingTypes.tenantId, tenantId)),
    noticeVersions: await db.select().from(noticeVersions).where(eq(noticeVersions.tenantId, tenantId)).orderBy(asc(noticeVersions.createdAt)),
    roles: roleRows,
    clients: clientRows,
    users: people.map((p) => ({
      ...p,
      roles: assignedRoles.filter((r) => r.agent_roles.agentId === p.id).map((r) => ({ role: r.roles.name, source: r.agent_roles.source })),
      clients: assignedClients.filter((c) => c.agent_clients.agentId === p.id).map((c) => ({ clientId: c.clients.id, source: c.agent_clients.source })),
    })),
    groups: groups.map((g) => ({ ...g, members: groupMembers.filter((m) => m.user_group_members.groupId === g.id && peopleIds.has(m.user_group_members.agentId)).map((m) => m.user_group_members.agentId) })),
    saml: (await db.select().from(samlConfigs).where(eq(samlConfigs.tenantId, tenantId)))[0] ?? null,
    legalHolds: await db.select().from(legalHolds).where(eq(legalHolds.tenantId, tenantId)),
    dataSubjectRequests: await db.select().from(dsarRequests).where(eq(dsarRequests.tenantId, tenantId)),
  };
}

/**
 * Everything the account holds, laid out for one age-encrypted zip (the DSAR bundle writer): the
 * account file, then per customer their data and recordings (the same collection an access request
 * uses), then the audit trail streamed in batches. Entries are produced as the zip reaches them.
 */
export async function tenantExportContents(
  db: DbOrTx,
  masterKeys: MasterKeys,
  stores: ReadonlyMap<string, BlobStore>,
  tenantId: string,
): Promise<{ contents: BundleContents; counts: Record<string, number> }> {
  const account = await accountData(db, tenantId);
  const customerIds = (await db.select({ id: customers.id }).from(customers).where(eq(customers.tenantId, tenantId)).orderBy(asc(customers.createdAt))).map((c) => c.id);
  const entries: BundleEntry[] = [];
  let recordingCount = 0;
  for (const customerId of customerIds) {
    entries.push(lazyJson(`customers/${customerId}/data.json`, () => collectSubjectData(db, tenantId, customerId)));
    for (const recording of await subjectRecordings(db, masterKeys, stores, tenantId, customerId)) {
      entries.push({ ...recording, entryName: `customers/${customerId}/${recording.entryName}` });
      recordingCount += 1;
    }
  }
  entries.push({
    entryName: 'audit/events.jsonl',
    async open() {
      const stream = Readable.from(streamAuditEvents(db, masterKeys, tenantId, { format: 'jsonl', filters: {}, openPersonal: true }));
      return { stream, close: async () => void stream.destroy() };
    },
  });
  return {
    contents: {
      files: [
        { name: 'README.txt', body: README },
        { name: 'account.json', body: `${JSON.stringify(account, null, 2)}\n` },
      ],
      entries,
    },
    counts: { customers: customerIds.length, recordings: recordingCount, users: account.users.length, meetingTypes: account.meetingTypes.length },
  };
}
