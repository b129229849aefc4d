import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents, calls, cases, customers, meetingTypes, recordings } from '../../backend/src/db/schema/index.js';
import { upsertClient } from '../../backend/src/services/access/assignments.js';
import { actions, builtInRoleNames, builtInRoles, meetingTypeScopedActions, type Action } from '../../backend/src/services/access/permissions.js';
import { decide } from '../../backend/src/services/access/policy.js';
import type { AgentPrincipal } from '../../backend/src/services/principal.js';
import { openAgentSession } from '../../backend/src/services/sessions/open-agent-session.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds } from '../support/databases.js';
import { freshDatabase } from '../support/databases.js';
import { principalOf, seedAgent } from '../support/principals.js';
import { buildTestApp, startTestJanus, type TestApp } from '../support/test-app.js';

/**
 * Every role × every action × (a case of the user's own client, a case of another client, another
 * tenant), generated from the permission table in `services/access/permissions.ts`, asserted on the
 * policy and, where a route does the action, through HTTP as the user would meet it.
 */

type Scope = 'own client' | 'other client' | 'other tenant';
const scopes: Scope[] = ['own client', 'other client', 'other tenant'];

/** A custom role: list and play recordings of advice calls only, escalate support calls only, for its own clients. */
const CUSTOM = 'advice reviewer';
const roleNames = [...builtInRoleNames, CUSTOM] as const;
type RoleName = (typeof roleNames)[number];

const OWN_ORG = 'org-own';
const OTHER_ORG = 'org-other';

describe.each(databaseKinds)('who may do what on %s', (kind) => {
  let database: Database;
  let janus: LocalJanus;
  let baseDir: string;
  let t: TestApp;
  let tenantId: string;
  let strangerTenantId: string;
  let types: Record<'support' | 'advice' | 'consultation', string>;
  let strangerTypes: Record<'support' | 'advice' | 'consultation', string>;
  const users = {} as Record<RoleName, { token: string; principal: AgentPrincipal }>;

  /**
   * The built-in roles as the README's access table states them, written out here rather than
   * read from the product's own table: a role given too much there must fail this suite.
   */
  const ROLES_AS_DOCUMENTED: Record<Exclude<RoleName, typeof CUSTOM>, { allClients: boolean; actions: readonly Action[] }> = {
    agent: { allClients: false, actions: ['escalate', 'list_recordings', 'play_recording'] },
    supervisor: { allClients: false, actions: ['escalate', 'list_recordings', 'play_recording', 'export_recording', 'supervise'] },
    admin: {
      allClients: true,
      actions: ['escalate', 'list_recordings', 'play_recording', 'export_recording', 'delete_recording', 'configure', 'read_audit', 'place_legal_hold', 'supervise'],
    },
    dpo: { allClients: true, actions: ['list_recordings', 'export_recording', 'delete_recording', 'read_audit', 'handle_dsar', 'place_legal_hold'] },
  };

  it('grants the built-in roles exactly what the access table documents', () => {
    for (const [role, documented] of Object.entries(ROLES_AS_DOCUMENTED)) {
      const product = builtInRoles[role as keyof typeof builtInRoles];
      expect({ allClients: product.allClients, actions: [...product.actions].sort() }, role).toEqual({ allClients: documented.allClients, actions: [...documented.actions].sort() });
    }
  });

  /** Whether the table says `role` may do `action` on a case in `scope` of meeting type `type`. */
  function expected(role: RoleName, action: Action, scope: Scope, type: 'support' | 'advice' | 'consultation'): boolean {
    if (scope === 'other tenant') return false;
    if (role === CUSTOM) {
      const grants: Partial<Record<Action, string[]>> = { escalate: ['support'], list_recordings: ['advice'], play_recording: ['advice'] };
      return (grants[action]?.includes(type) ?? false) && (scope === 'own client' || !meetingTypeScopedActions.has(action));
    }
    const definition = ROLES_AS_DOCUMENTED[role];
    if (!definition.actions.includes(action)) return false;
    return !meetingTypeScopedActions.has(action) || scope === 'own client' || definition.allClients;
  }

  /** An ended, stored recording of a case of `org` (or of no client), rows as the pipeline leaves them. */
  async function storedRecording(onTenant: string, type: string, org: string | null) {
    const db = database.db;
    const owner = await seedAgent(db, onTenant, { roles: [] });
    const [customer] = await db.insert(customers).values({ tenantId: onTenant }).returning({ id: customers.id });
    const clientId = org ? await upsertClient(db, onTenant, { kind: 'zendesk_organization', externalId: org }) : null;
    const [kase] = await db
      .insert(cases)
      .values({ tenantId: onTenant, host: 'zendesk', externalId: String(Math.floor(Math.random() * 1e12)), customerId: customer!.id, clientId })
      .returning({ id: cases.id });
    const [call] = await db
      .insert(calls)
      .values({
        tenantId: onTenant, caseId: kase!.id, customerId: customer!.id, agentId: owner.agentId, meetingTypeId: type, state: 'ended',
        mediaNodeId: 'janus-1', mediaRoomId: 1, mediaRoomPin: '0000', mediaRoomSecret: 'secret', endedAt: new Date(),
      })
      .returning({ id: calls.id });
    const id = randomUUID();
    await db.insert(recordings).values({
      id, tenantId: onTenant, callId: call!.id, caseId: kase!.id, customerId: customer!.id, stage: 'done', rawDir: join(baseDir, 'gone', id),
      storageLocation: 'local', media: 'audio+video', objectKey: `matrix/${id}.prly`, keyId: `rk-${id}`, storedAt: new Date(), sizeBytes: 1,
    });
    return id;
  }

  const typeIds = async (tenant: string) => {
    const rows = await database.db.select({ id: meetingTypes.id, key: meetingTypes.key }).from(meetingTypes).where(eq(meetingTypes.tenantId, tenant));
    return Object.fromEntries(rows.map((r) => [r.key, r.id])) as Record<'support' | 'advice' | 'consultation', string>;
  };

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-matrix-'));
    [database, janus] = await Promise.all([freshDatabase(kind), startTestJanus(baseDir)]);
    t = await buildTestApp(database, janus);

    for (const role of builtInRoleNames) {
      const res = await t.call('POST', '/api/demo/session', { body: { accountId: 'acme', userId: `user-${role}`, name: `Dana ${role}`, role, organizations: [OWN_ORG] } });
      expect(res.status).toBe(201);
      users[role] = { token: res.body.token, principal: undefined as unknown as AgentPrincipal };
    }
    const admin = await t.tokens.verify(users.admin.token);
    tenantId = admin.tenantId;
    types = await typeIds(tenantId);

    // The custom role is made and assigned through the admin API, as an admin would.
    const created = await t.call('POST', '/api/admin/roles', {
      token: users.admin.token,
      body: { name: CUSTOM, grants: { escalate: [types.support], list_recordings: [types.advice], play_recording: [types.advice] } },
    });
    expect(created.status).toBe(201);
    const reviewer = await seedAgent(database.db, tenantId, { roles: [], name: 'Robin Reviewer' });
    const assigned = await t.call('PUT', `/api/admin/users/${reviewer.agentId}/access`, {
      token: users.admin.token,
      body: { roles: [CUSTOM], clients: [{ kind: 'zendesk_organization', externalId: OWN_ORG }] },
    });
    expect(assigned.status).toBe(200);
    users[CUSTOM] = { token: (await openAgentSession(database.db, t.tokens, { tenantId, agentId: reviewer.agentId })).token, principal: undefined as unknown as AgentPrincipal };

    for (const role of roleNames) {
      const claims = await t.tokens.verify(users[role].token);
      if (claims.kind !== 'agent') throw new Error('expected an agent session');
      users[role].principal = await principalOf(database.db, tenantId, claims.agentId);
    }

    const stranger = await t.signIn('stranger-co', 'someone', 'admin');
    strangerTenantId = (await t.tokens.verify(stranger)).tenantId;
    strangerTypes = await typeIds(strangerTenantId);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  const resourceFor = (scope: Scope, type: 'support' | 'advice' | 'consultation', clientIds: { own: string; other: string }) => ({
    tenantId: scope === 'other tenant' ? strangerTenantId : tenantId,
    meetingTypeId: scope === 'other tenant' ? strangerTypes[type] : types[type],
    clientId: scope === 'own client' ? clientIds.own : clientIds.other,
  });

  it('decides every cell of the table the way the table says, and never allows what it does not grant', async () => {
    const own = await upsertClient(database.db, tenantId, { kind: 'zendesk_organization', externalId: OWN_ORG });
    const other = await upsertClient(database.db, tenantId, { kind: 'zendesk_organization', externalId: OTHER_ORG });
    const wrong: string[] = [];
    let cells = 0;
    for (const role of roleNames) {
      for (const action of actions) {
        for (const scope of scopes) {
          for (const type of ['support', 'advice', 'consultation'] as const) {
            cells += 1;
            const decision = decide(users[role].principal, action, resourceFor(scope, type, { own, other }));
            if (decision.allowed !== expected(role, action, scope, type)) wrong.push(`${role} ${action} ${scope} ${type}: ${JSON.stringify(decision)}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(cells).toBe(roleNames.length * actions.length * scopes.length * 3);
  });

  // Through the routes, as the user meets them: the status each cell must answer with.
  const statusOf = (allowed: boolean, scope: Scope, okStatus: number) => (allowed ? okStatus : scope === 'other tenant' ? 404 : 403);

  it.each(roleNames)('%s: recordings are listed, played and deleted only where the table allows', async (role) => {
    const user = users[role];
    for (const scope of scopes) {
      const onTenant = scope === 'other tenant' ? strangerTenantId : tenantId;
      const org = scope === 'own client' ? OWN_ORG : OTHER_ORG;
      const type = scope === 'other tenant' ? strangerTypes.advice : types.advice;
      const recordingId = await storedRecording(onTenant, type, org);
      const cell = `${role} / ${scope}`;

      const seen = await t.call('GET', `/api/recordings/${recordingId}`, { token: user.token });
      expect(seen.status, `list_recordings: ${cell}`).toBe(statusOf(expected(role, 'list_recordings', scope, 'advice'), scope, 200));

      const played = await t.call('POST', `/api/recordings/${recordingId}/playback`, { token: user.token });
      expect(played.status, `play_recording: ${cell}`).toBe(statusOf(expected(role, 'play_recording', scope, 'advice'), scope, 201));
      if (played.status !== 201) expect(played.body.streamUrl).toBeUndefined();

      const deleted = await t.call('DELETE', `/api/recordings/${recordingId}`, { token: user.token, body: { reason: 'recorded_in_error' } });
      expect(deleted.status, `delete_recording: ${cell}`).toBe(statusOf(expected(role, 'delete_recording', scope, 'advice'), scope, 200));
      const [after] = await database.db.select({ stage: recordings.stage, wrappedKey: recordings.wrappedKey }).from(recordings).where(eq(recordings.id, recordingId));
      expect(after!.stage, `delete_recording leaves the recording alone unless allowed: ${cell}`).toBe(deleted.status === 200 ? 'deleted' : 'done');
    }
  });

  it.each(roleNames)('%s: a customer’s recording list shows only what the user may see', async (role) => {
    const [customer] = await database.db.insert(customers).values({ tenantId }).returning({ id: customers.id });
    const owned = await storedRecording(tenantId, types.advice, OWN_ORG);
    const foreign = await storedRecording(tenantId, types.advice, OTHER_ORG);
    const consultation = await storedRecording(tenantId, types.consultation, OWN_ORG);
    await database.db.update(recordings).set({ customerId: customer!.id }).where(eq(recordings.tenantId, tenantId));
    const res = await t.call('GET', `/api/customers/${customer!.id}/recordings`, { token: users[role].token });
    expect(res.status).toBe(200);
    const listed = new Set((res.body.recordings as { id: string }[]).map((r) => r.id));
    expect(listed.has(owned)).toBe(expected(role, 'list_recordings', 'own client', 'advice'));
    expect(listed.has(foreign)).toBe(expected(role, 'list_recordings', 'other client', 'advice'));
    expect(listed.has(consultation)).toBe(expected(role, 'list_recordings', 'own client', 'consultation'));
    // The look is audited against the customer, also when every recording was withheld.
    const looks = await database.db
      .select({ details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'recordings.listed'), eq(auditEvents.subjectId, customer!.id)));
    const total = (await database.db.select({ id: recordings.id }).from(recordings).where(eq(recordings.customerId, customer!.id))).length;
    expect(looks).toEqual([{ details: { shown: listed.size, withheld: total - listed.size } }]);
  });

  it('audits a look at a customer even when every recording of theirs is withheld', async () => {
    const role = roleNames.find((r) => expected(r, 'list_recordings', 'own client', 'advice') && !expected(r, 'list_recordings', 'other client', 'advice'))!;
    const [customer] = await database.db.insert(customers).values({ tenantId }).returning({ id: customers.id });
    const foreign = await storedRecording(tenantId, types.advice, OTHER_ORG);
    await database.db.update(recordings).set({ customerId: customer!.id }).where(eq(recordings.id, foreign));
    const res = await t.call('GET', `/api/customers/${customer!.id}/recordings`, { token: users[role].token });
    expect(res.body).toEqual({ recordings: [], nextCursor: null });
    const looks = await database.db
      .select({ actorId: auditEvents.actorId, details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'recordings.listed'), eq(auditEvents.subjectId, customer!.id)));
    expect(looks).toEqual([{ actorId: expect.any(String), details: { shown: 0, withheld: 1 } }]);
  });

  it.each(roleNames)('%s: escalates only for meeting types and clients the table allows', async (role) => {
    for (const scope of scopes) {
      for (const type of ['support', 'consultation'] as const) {
        const meetingTypeId = scope === 'other tenant' ? strangerTypes[type] : types[type];
        const res = await t.call('POST', '/api/calls', {
          token: users[role].token,
          body: {
            meetingTypeId,
            case: { host: 'zendesk', externalId: String(Math.floor(Math.random() * 1e9)), client: { kind: 'zendesk_organization', externalId: scope === 'own client' ? OWN_ORG : OTHER_ORG } },
            customer: { externalId: randomUUID() },
          },
        });
        expect(res.status, `escalate: ${role} / ${scope} / ${type}`).toBe(statusOf(expected(role, 'escalate', scope, type), scope, 201));
        if (res.status === 201) await t.call('POST', `/api/calls/${res.body.call.id}/end`, { token: users[role].token });
      }
    }
  });

  it.each(roleNames)('%s: changes the account’s settings only when the table allows', async (role) => {
    const res = await t.call('GET', '/api/admin/settings', { token: users[role].token });
    expect(res.status).toBe(expected(role, 'configure', 'own client', 'support') ? 200 : 403);
    const roles = await t.call('GET', '/api/admin/roles', { token: users[role].token });
    expect(roles.status).toBe(expected(role, 'configure', 'own client', 'support') ? 200 : 403);
  });

  it('cannot be talked round: leaving the client out of an escalation still finds the case’s client', async () => {
    const externalId = String(Math.floor(Math.random() * 1e9));
    const base = { meetingTypeId: types.support, customer: { externalId: randomUUID() } };
    const first = await t.call('POST', '/api/calls', { token: users.admin.token, body: { ...base, case: { host: 'zendesk', externalId, client: { kind: 'zendesk_organization', externalId: OTHER_ORG } } } });
    expect(first.status).toBe(201);
    const sneaky = await t.call('POST', '/api/calls', { token: users.agent.token, body: { ...base, case: { host: 'zendesk', externalId } } });
    expect(sneaky.status).toBe(403);
    expect(sneaky.body.error.message).toMatch(/client/);
    // Nor can the other agent read that call by its id.
    expect((await t.call('GET', `/api/calls/${first.body.call.id}`, { token: users.agent.token })).status).toBe(403);
    expect((await t.call('GET', `/api/calls/${first.body.call.id}`, { token: users.supervisor.token })).status).toBe(403);
    expect((await t.call('GET', `/api/calls/${first.body.call.id}`, { token: users.admin.token })).status).toBe(200);
  });

  it('cannot be talked round either by naming an own client for another client’s case: the case and its recordings stay where they are', async () => {
    const externalId = String(Math.floor(Math.random() * 1e9));
    const base = { meetingTypeId: types.support, customer: { externalId: randomUUID() } };
    const first = await t.call('POST', '/api/calls', { token: users.admin.token, body: { ...base, case: { host: 'zendesk', externalId, client: { kind: 'zendesk_organization', externalId: OTHER_ORG } } } });
    expect(first.status).toBe(201);
    const takeover = await t.call('POST', '/api/calls', {
      token: users.agent.token,
      body: { ...base, case: { host: 'zendesk', externalId, client: { kind: 'zendesk_organization', externalId: OWN_ORG } } },
    });
    expect(takeover.status).toBe(403);
    expect(takeover.body.error.message).toMatch(/client/);
    const clientIds = {
      own: await upsertClient(database.db, tenantId, { kind: 'zendesk_organization', externalId: OWN_ORG }),
      other: await upsertClient(database.db, tenantId, { kind: 'zendesk_organization', externalId: OTHER_ORG }),
    };
    const clientOfTicket = async () =>
      (await database.db.select({ clientId: cases.clientId }).from(cases).where(and(eq(cases.tenantId, tenantId), eq(cases.externalId, externalId))))[0]!.clientId;
    expect(await clientOfTicket()).toBe(clientIds.other);
    // Someone who works for both clients (here the admin) can move the ticket when Zendesk moved it.
    const moved = await t.call('POST', '/api/calls', { token: users.admin.token, body: { ...base, case: { host: 'zendesk', externalId, client: { kind: 'zendesk_organization', externalId: OWN_ORG } } } });
    expect(moved.status).toBe(201);
    expect(await clientOfTicket()).toBe(clientIds.own);
  });

  it('audits refused reads of recordings, with who tried and why', async () => {
    const recordingId = await storedRecording(tenantId, types.advice, OTHER_ORG);
    expect((await t.call('POST', `/api/recordings/${recordingId}/playback`, { token: users.agent.token })).status).toBe(403);
    const rows = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, recordingId), eq(auditEvents.action, 'access.denied')));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorType: 'agent', actorId: users.agent.principal.agentId, details: { attempted: 'play_recording', reason: 'client' } });
  });

  it('tells each user which actions they hold, so the console offers nothing that will be refused', async () => {
    const held = async (role: RoleName) => (await t.call('GET', '/api/me', { token: users[role].token })).body.actions as string[];
    expect(await held(CUSTOM)).toEqual(['escalate', 'list_recordings', 'play_recording']);
    expect(await held('admin')).toEqual(expect.arrayContaining(['configure', 'read_audit', 'delete_recording']));
    expect(await held('agent')).not.toContain('configure');
    expect(await held('agent')).not.toContain('read_audit');
    expect(await held('dpo')).toEqual(expect.arrayContaining(['read_audit', 'handle_dsar']));
  });

  it('refuses renaming a role to a name another role has', async () => {
    const other = await t.call('POST', '/api/admin/roles', { token: users.admin.token, body: { name: 'Second reviewer', grants: {} } });
    expect(other.status).toBe(201);
    const clash = await t.call('PUT', `/api/admin/roles/${other.body.id}`, { token: users.admin.token, body: { name: CUSTOM, grants: {} } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('ROLE_NAME_TAKEN');
    expect((await t.call('DELETE', `/api/admin/roles/${other.body.id}`, { token: users.admin.token })).status).toBe(204);
  });

  it('takes a removed role away on the very next request', async () => {
    const list = await t.call('GET', '/api/admin/roles', { token: users.admin.token });
    const custom = (list.body.roles as { id: string; name: string }[]).find((r) => r.name === CUSTOM)!;
    const recordingId = await storedRecording(tenantId, types.advice, OWN_ORG);
    expect((await t.call('GET', `/api/recordings/${recordingId}`, { token: users[CUSTOM].token })).status).toBe(200);
    expect((await t.call('DELETE', `/api/admin/roles/${custom.id}`, { token: users.admin.token })).status).toBe(204);
    expect((await t.call('GET', `/api/recordings/${recordingId}`, { token: users[CUSTOM].token })).status).toBe(403);
  });
});
