import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { agents, auditEvents, calls, cases, customers, meetingTypes, userGroupMembers } from '../../backend/src/db/schema/index.js';
import { upsertHostAgent } from '../../backend/src/services/identity/upsert-host-agent.js';
import { openAgentSession } from '../../backend/src/services/sessions/open-agent-session.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seedAgent } from '../support/principals.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { buildTestApp, PUBLIC_BASE_URL, startTestJanus, type TestApp } from '../support/test-app.js';

/**
 * SCIM 2.0 at /scim/v2 as Entra ID's provisioning service drives it: the request sequence and
 * spellings it sends, what the account's users can then do, and how deprovisioning ends sessions.
 */

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A user as Entra ID's default attribute mapping sends it. */
function entraUser(userName: string, objectId = randomUUID(), display = 'Dana Scully') {
  const [given, family] = display.split(' ');
  return {
    schemas: [USER, ENTERPRISE],
    externalId: objectId,
    userName,
    active: true,
    displayName: display,
    emails: [{ primary: true, type: 'work', value: userName }],
    name: { formatted: display, familyName: family, givenName: given },
    [ENTERPRISE]: { department: 'Support', employeeNumber: '4711' },
  };
}
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

describe.each(databaseKinds)('SCIM provisioning on %s', (kind) => {
  let database: Database;
  let baseDir: string;
  let janus: LocalJanus;
  let t: TestApp;
  let tenantId: string;
  let adminToken: string;
  let scimToken: string;
  let otherTenantId: string;
  let otherScimToken: string;

  /** A SCIM request as Entra ID sends it: application/scim+json, bearer token. */
  async function scim(method: string, path: string, body?: unknown, token: string | null = scimToken, rawBody?: string) {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined || rawBody !== undefined) headers['content-type'] = 'application/scim+json; charset=utf-8';
    const response = await t.app.request(`/scim/v2${path}`, { method, headers, body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: response.status, contentType: response.headers.get('content-type'), location: response.headers.get('location'), body: (text ? JSON.parse(text) : undefined) as any };
  }
  const filter = (expression: string) => `filter=${encodeURIComponent(expression)}`;

  async function sessionOf(agentId: string, onTenant = tenantId) {
    return (await openAgentSession(database.db, t.tokens, { tenantId: onTenant, agentId })).token;
  }
  async function agentRow(id: string) {
    const [row] = await database.db.select().from(agents).where(eq(agents.id, id));
    return row;
  }
  async function newScimToken(admin: string) {
    const res = await t.call('POST', '/api/admin/scim/tokens', { token: admin });
    expect(res.status).toBe(201);
    return res.body as { id: string; token: string; scimBaseUrl: string };
  }
  async function adminOf(onTenant: string) {
    const admin = await seedAgent(database.db, onTenant, { roles: ['admin'], host: 'teams' });
    return sessionOf(admin.agentId, onTenant);
  }

  beforeAll(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'parley-scim-'));
    [database, janus] = await Promise.all([freshDatabase(kind), startTestJanus(baseDir)]);
    t = await buildTestApp(database, janus, { demo: false });
    ({ tenantId } = await provisionTenant(database.db, { host: 'teams', externalAccountId: `contoso-${kind}` }));
    ({ tenantId: otherTenantId } = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: `fabrikam-${kind}` }));
    adminToken = await adminOf(tenantId);
    scimToken = (await newScimToken(adminToken)).token;
    otherScimToken = (await newScimToken(await adminOf(otherTenantId))).token;
  });
  afterAll(async () => {
    await t?.close();
    await janus?.stop();
    await database?.close();
    rmSync(baseDir, { recursive: true, force: true });
  });

  it("follows Entra ID's sequence: create, group, map to admin, update, deactivate (session ends at once), delete", async () => {
    const userName = 'dana.scully@contoso.example';
    const objectId = randomUUID();

    // 1. Entra asks whether the user exists.
    const lookup = await scim('GET', `/Users?${filter(`userName eq "${userName}"`)}`);
    expect(lookup.status).toBe(200);
    expect(lookup.contentType).toMatch(/^application\/scim\+json/);
    expect(lookup.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, Resources: [] });

    // 2. It creates the user.
    const created = await scim('POST', '/Users', entraUser(userName, objectId));
    expect(created.status).toBe(201);
    expect(created.contentType).toMatch(/^application\/scim\+json/);
    const userId = created.body.id as string;
    expect(created.location).toBe(`${PUBLIC_BASE_URL}/scim/v2/Users/${userId}`);
    expect(created.body).toMatchObject({ schemas: [USER], userName, externalId: objectId, displayName: 'Dana Scully', active: true });
    expect(created.body.meta).toMatchObject({ resourceType: 'User', location: created.location });
    // Contact data is not kept, so it is not shown back either.
    expect(created.body.emails).toBeUndefined();
    expect(created.body.name).toBeUndefined();
    expect(await agentRow(userId)).toMatchObject({ tenantId, host: 'teams', externalUserId: objectId, userName, displayName: 'Dana Scully', active: true });
    expect((await scim('GET', `/Users?${filter(`userName eq "DANA.Scully@contoso.example"`)}`)).body.totalResults).toBe(1);

    // A provisioned user without a group can sign in but may not administer.
    const session = await sessionOf(userId);
    expect((await t.call('GET', '/api/admin/settings', { token: session })).status).toBe(403);

    // 3. Entra looks the group up (without members), then creates it.
    const groupLookup = await scim('GET', `/Groups?excludedAttributes=members&${filter('displayName eq "Parley Admins"')}`);
    expect(groupLookup.body).toMatchObject({ totalResults: 0, Resources: [] });
    const group = await scim('POST', '/Groups', { schemas: [GROUP], externalId: randomUUID(), displayName: 'Parley Admins', members: [] });
    expect(group.status).toBe(201);
    const groupId = group.body.id as string;
    expect(group.body).toMatchObject({ displayName: 'Parley Admins', members: [] });

    // 4. It adds the member.
    const added = await scim('PATCH', `/Groups/${groupId}`, patch({ op: 'Add', path: 'members', value: [{ value: userId }] }));
    expect(added.status).toBe(200);
    expect(added.body.members).toEqual([{ value: userId, $ref: `${PUBLIC_BASE_URL}/scim/v2/Users/${userId}`, type: 'User' }]);
    const listed = await scim('GET', `/Groups?excludedAttributes=members&${filter('displayName eq "parley admins"')}`);
    expect(listed.body.totalResults).toBe(1);
    expect(listed.body.Resources[0].members).toBeUndefined();

    // An unmapped group grants nothing; once an admin maps it to the admin role, its member administers.
    expect((await t.call('GET', '/api/admin/settings', { token: session })).status).toBe(403);
    const groups = await t.call('GET', '/api/admin/groups', { token: adminToken });
    expect(groups.body.groups).toEqual([expect.objectContaining({ id: groupId, displayName: 'Parley Admins', members: 1, roles: [], clients: [] })]);
    const mapped = await t.call('PUT', `/api/admin/groups/${groupId}`, {
      token: adminToken,
      body: { roles: ['admin'], clients: [{ kind: 'teams_team', externalId: 'team-escalations' }] },
    });
    expect(mapped.status).toBe(200);
    expect(mapped.body.roles).toEqual(['admin']);
    expect((await t.call('GET', '/api/admin/settings', { token: session })).status).toBe(200);
    const after = await t.call('GET', '/api/admin/groups', { token: adminToken });
    expect(after.body.groups[0]).toMatchObject({ roles: ['admin'], clients: [expect.objectContaining({ kind: 'teams_team', externalId: 'team-escalations' })] });

    // 5. Attribute changes, in Entra's spellings; those Parley does not keep are accepted and dropped.
    const updated = await scim(
      'PATCH',
      `/Users/${userId}`,
      patch(
        { op: 'Replace', path: 'displayName', value: 'Dana K. Scully' },
        { op: 'Replace', path: 'name.givenName', value: 'Dana K.' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'dscully@contoso.example' },
        { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Escalations' },
      ),
    );
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: userId, userName, displayName: 'Dana K. Scully', active: true });
    expect(updated.body.emails).toBeUndefined();
    expect((await agentRow(userId))!.displayName).toBe('Dana K. Scully');
    expect((await t.call('GET', '/api/admin/settings', { token: session })).status).toBe(200);

    // 6. Deactivation, with active as the string "False": the open session is refused on its next request.
    const deactivated = await scim('PATCH', `/Users/${userId}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.active).toBe(false);
    expect(await agentRow(userId)).toMatchObject({ active: false, sessionEpoch: 1 });
    expect((await t.call('GET', '/api/admin/settings', { token: session })).status).toBe(401);
    await expect(sessionOf(userId)).rejects.toThrow(/deactivated/);

    // 7. Delete: a user nothing refers to is removed, with the membership.
    const deleted = await scim('DELETE', `/Users/${userId}`);
    expect(deleted.status).toBe(204);
    expect(await agentRow(userId)).toBeUndefined();
    const gone = await scim('GET', `/Users/${userId}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ schemas: [ERROR], status: '404' });
    expect((await scim('GET', `/Groups/${groupId}`)).body.members).toEqual([]);

    // Every change is in the audit trail, by id, with no names or addresses.
    const trail = await database.db
      .select({ action: auditEvents.action, subjectId: auditEvents.subjectId, details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.subjectId, userId)));
    expect(trail.map((e) => e.action)).toEqual(
      expect.arrayContaining(['scim.user_created', 'scim.group_member_added', 'scim.user_updated', 'scim.user_deactivated', 'scim.user_deleted']),
    );
    const groupTrail = await database.db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.subjectId, groupId));
    expect(groupTrail.map((e) => e.action)).toEqual(expect.arrayContaining(['scim.group_created', 'scim.group_updated', 'group.mapping_changed']));
    const written = JSON.stringify(await database.db.select({ details: auditEvents.details }).from(auditEvents).where(eq(auditEvents.tenantId, tenantId)));
    expect(written).not.toMatch(/scully|contoso|Dana/i);
  });

  it('deactivates with a no-path value object too, and reactivation does not revive old sessions', async () => {
    const user = (await scim('POST', '/Users', entraUser('fox.mulder@contoso.example', randomUUID(), 'Fox Mulder'))).body;
    const before = await sessionOf(user.id);
    // Signed in (403: not an admin) rather than refused (401).
    expect((await t.call('GET', '/api/admin/settings', { token: before })).status).toBe(403);

    const res = await scim('PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { active: false, displayName: 'F. Mulder' } }));
    expect(res.body).toMatchObject({ active: false, displayName: 'F. Mulder' });
    expect((await t.call('GET', '/api/admin/settings', { token: before })).status).toBe(401);

    const back = await scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: 'active', value: 'True' }));
    expect(back.body.active).toBe(true);
    expect((await t.call('GET', '/api/admin/settings', { token: before })).status).toBe(401);
    expect((await t.call('GET', '/api/admin/settings', { token: await sessionOf(user.id) })).status).toBe(403);
  });

  it('keeps a deleted user who handled calls, deactivated and without their sign-in name; a re-created user is recognised', async () => {
    const objectId = randomUUID();
    const user = (await scim('POST', '/Users', entraUser('walter.skinner@contoso.example', objectId, 'Walter Skinner'))).body;
    const session = await sessionOf(user.id);
    const [type] = await database.db.select({ id: meetingTypes.id }).from(meetingTypes).where(eq(meetingTypes.tenantId, tenantId)).limit(1);
    const [customer] = await database.db.insert(customers).values({ tenantId }).returning({ id: customers.id });
    const [kase] = await database.db.insert(cases).values({ tenantId, host: 'teams', externalId: randomUUID(), customerId: customer!.id }).returning({ id: cases.id });
    await database.db.insert(calls).values({
      tenantId, caseId: kase!.id, customerId: customer!.id, agentId: user.id, meetingTypeId: type!.id, state: 'ended',
      mediaNodeId: 'janus-1', mediaRoomId: 1, mediaRoomPin: '0000', mediaRoomSecret: 'secret', endedAt: new Date(),
    });
    const group = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Skinner team', members: [{ value: user.id }] })).body;

    expect((await scim('DELETE', `/Users/${user.id}`)).status).toBe(204);
    expect(await agentRow(user.id)).toMatchObject({ active: false, userName: null, externalUserId: objectId, displayName: 'Walter Skinner', sessionEpoch: 1 });
    expect((await t.call('GET', '/api/admin/settings', { token: session })).status).toBe(401);
    expect((await scim('GET', `/Users/${user.id}`)).status).toBe(404);
    expect((await scim('GET', `/Users?${filter('userName eq "walter.skinner@contoso.example"')}`)).body.totalResults).toBe(0);
    expect(await database.db.select().from(userGroupMembers).where(eq(userGroupMembers.groupId, group.id))).toEqual([]);
    const [event] = await database.db.select({ details: auditEvents.details }).from(auditEvents).where(and(eq(auditEvents.subjectId, user.id), eq(auditEvents.action, 'scim.user_deleted')));
    expect(event!.details).toMatchObject({ kept: true });

    // Entra restores the user: the same object id comes back as the same Parley user.
    const again = await scim('POST', '/Users', entraUser('walter.skinner@contoso.example', objectId, 'Walter Skinner'));
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: user.id, active: true });
  });

  it('refuses missing, unknown, revoked and other accounts’ tokens, and shows nothing across accounts', async () => {
    for (const token of [null, 'scim_not-a-real-token', adminToken]) {
      const res = await scim('GET', '/Users', undefined, token);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ schemas: [ERROR], status: '401' });
    }
    const issued = await newScimToken(adminToken);
    expect(issued.scimBaseUrl).toBe(`${PUBLIC_BASE_URL}/scim/v2`);
    expect((await scim('GET', '/Users', undefined, issued.token)).status).toBe(200);
    const tokens = await t.call('GET', '/api/admin/scim/tokens', { token: adminToken });
    expect(tokens.body.tokens.map((x: { id: string }) => x.id)).toContain(issued.id);
    expect(JSON.stringify(tokens.body)).not.toContain(issued.token);
    expect((await t.call('DELETE', `/api/admin/scim/tokens/${issued.id}`, { token: adminToken })).status).toBe(200);
    expect((await scim('GET', '/Users', undefined, issued.token)).status).toBe(401);

    // Token administration is for admins of the same account.
    const agent = await sessionOf((await seedAgent(database.db, tenantId, { roles: ['agent'], host: 'teams' })).agentId);
    expect((await t.call('POST', '/api/admin/scim/tokens', { token: agent })).status).toBe(403);
    expect((await t.call('POST', '/api/admin/scim/tokens')).status).toBe(401);
    const strangerAdmin = await adminOf(otherTenantId);
    expect((await t.call('DELETE', `/api/admin/scim/tokens/${issued.id}`, { token: strangerAdmin })).status).toBe(404);

    // The other account's token sees none of this account's users or groups, by list, id or filter.
    const mine = (await scim('POST', '/Users', entraUser('dana.katz@contoso.example'))).body;
    const myGroup = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Contoso only', members: [{ value: mine.id }] })).body;
    const theirs = (await scim('POST', '/Users', entraUser('dana.katz@contoso.example'), otherScimToken)).body;
    expect(theirs.id).not.toBe(mine.id);
    const theirList = await scim('GET', '/Users', undefined, otherScimToken);
    expect(theirList.body.Resources.map((u: { id: string }) => u.id)).toEqual([theirs.id]);
    expect((await scim('GET', `/Users?${filter(`id eq "${mine.id}"`)}`, undefined, otherScimToken)).body.totalResults).toBe(0);
    expect((await scim('GET', `/Users/${mine.id}`, undefined, otherScimToken)).status).toBe(404);
    expect((await scim('PATCH', `/Users/${mine.id}`, patch({ op: 'replace', path: 'active', value: false }), otherScimToken)).status).toBe(404);
    expect((await scim('DELETE', `/Users/${mine.id}`, undefined, otherScimToken)).status).toBe(404);
    expect((await scim('GET', `/Groups/${myGroup.id}`, undefined, otherScimToken)).status).toBe(404);
    expect((await scim('GET', `/Groups?${filter('displayName eq "Contoso only"')}`, undefined, otherScimToken)).body.totalResults).toBe(0);
    const poach = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Poachers', members: [{ value: mine.id }] }, otherScimToken);
    expect(poach.status).toBe(400);
    expect(poach.body.scimType).toBe('invalidValue');
    expect(await agentRow(mine.id)).toMatchObject({ active: true, tenantId });
    expect((await t.call('PUT', `/api/admin/groups/${myGroup.id}`, { token: strangerAdmin, body: { roles: ['admin'], clients: [] } })).status).toBe(404);
  });

  it('answers bad requests with SCIM errors: invalid filter, duplicates, unknown ids, malformed PATCH', async () => {
    const user = (await scim('POST', '/Users', entraUser('monica.reyes@contoso.example'))).body;
    const expectError = async (res: Awaited<ReturnType<typeof scim>>, status: number, scimType?: string) => {
      expect(res.status).toBe(status);
      expect(res.contentType).toMatch(/^application\/scim\+json/);
      expect(res.body).toMatchObject({ schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}) });
      expect(res.body.detail).toEqual(expect.any(String));
    };

    await expectError(await scim('GET', `/Users?${filter('userName co "monica"')}`), 400, 'invalidFilter');
    await expectError(await scim('GET', `/Users?${filter('title eq "Agent"')}`), 400, 'invalidFilter');
    await expectError(await scim('GET', `/Users?${filter('userName eq')}`), 400, 'invalidFilter');
    await expectError(await scim('GET', `/Groups?${filter('displayName eq "a" or displayName eq "b"')}`), 400, 'invalidFilter');

    await expectError(await scim('POST', '/Users', entraUser('MONICA.REYES@contoso.example')), 409, 'uniqueness');
    await expectError(await scim('POST', '/Users', { ...entraUser('someone.else@contoso.example'), externalId: user.externalId }), 409, 'uniqueness');
    const other = (await scim('POST', '/Users', entraUser('john.doggett@contoso.example'))).body;
    await expectError(await scim('PATCH', `/Users/${other.id}`, patch({ op: 'replace', path: 'userName', value: 'monica.reyes@contoso.example' })), 409, 'uniqueness');
    await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Reviewers' });
    await expectError(await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'reviewers' }), 409, 'uniqueness');

    await expectError(await scim('GET', `/Users/${randomUUID()}`), 404);
    await expectError(await scim('GET', '/Users/not-an-id'), 404);
    await expectError(await scim('PATCH', `/Groups/${randomUUID()}`, patch({ op: 'add', path: 'members', value: [] })), 404);
    await expectError(await scim('DELETE', `/Groups/${randomUUID()}`), 404);
    await expectError(await scim('GET', '/Bulk'), 404);

    const at = `/Users/${user.id}`;
    await expectError(await scim('PATCH', at, patch({ op: 'explode', path: 'active', value: false })), 400, 'invalidSyntax');
    await expectError(await scim('PATCH', at, patch({ op: 'remove' })), 400, 'noTarget');
    await expectError(await scim('PATCH', at, patch({ op: 'replace', path: 'active' })), 400, 'invalidSyntax');
    await expectError(await scim('PATCH', at, patch({ op: 'replace', value: 'not an object' })), 400, 'invalidSyntax');
    await expectError(await scim('PATCH', at, { schemas: [PATCH] }), 400, 'invalidValue');
    await expectError(await scim('PATCH', at, { Operations: [{ op: 'replace', path: 'active', value: false }] }), 400, 'invalidValue');
    await expectError(await scim('PATCH', at, patch({ op: 'replace', path: 'userName', value: '' })), 400, 'invalidValue');
    await expectError(await scim('PATCH', at, patch({ op: 'replace', path: 'active', value: 'maybe' })), 400, 'invalidValue');
    await expectError(await scim('PATCH', at, patch({ op: 'remove', path: 'userName' })), 400, 'invalidValue');
    await expectError(await scim('PATCH', at, undefined, scimToken, '{"schemas": ['), 400, 'invalidSyntax');
    await expectError(await scim('POST', '/Users', { schemas: [USER], displayName: 'No userName' }), 400, 'invalidValue');
    // Nothing of the refused requests was applied.
    expect(await agentRow(user.id)).toMatchObject({ userName: 'monica.reyes@contoso.example', active: true });
  });

  it('removing a member or the group takes the role away on the next request', async () => {
    const a = (await scim('POST', '/Users', entraUser('alvin.kersh@contoso.example'))).body;
    const b = (await scim('POST', '/Users', entraUser('brad.follmer@contoso.example'))).body;
    const group = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Supervisors', members: [{ value: a.id }, { value: b.id }] })).body;
    expect(group.members.map((m: { value: string }) => m.value).sort()).toEqual([a.id, b.id].sort());
    await t.call('PUT', `/api/admin/groups/${group.id}`, { token: adminToken, body: { roles: ['admin'], clients: [] } });
    const [sa, sb] = [await sessionOf(a.id), await sessionOf(b.id)];
    expect((await t.call('GET', '/api/admin/settings', { token: sa })).status).toBe(200);

    // Entra's two removal spellings: a value list, and a value filter in the path.
    const removed = await scim('PATCH', `/Groups/${group.id}`, patch({ op: 'Remove', path: 'members', value: [{ value: a.id }] }));
    expect(removed.body.members.map((m: { value: string }) => m.value)).toEqual([b.id]);
    expect((await t.call('GET', '/api/admin/settings', { token: sa })).status).toBe(403);
    expect((await t.call('GET', '/api/admin/settings', { token: sb })).status).toBe(200);
    const renamed = await scim(
      'PATCH',
      `/Groups/${group.id}`,
      patch({ op: 'remove', path: `members[value eq "${b.id}"]` }, { op: 'Replace', path: 'displayName', value: 'Former supervisors' }),
    );
    expect(renamed.body).toMatchObject({ displayName: 'Former supervisors', members: [] });
    expect((await t.call('GET', '/api/admin/settings', { token: sb })).status).toBe(403);

    // PUT replaces the members; DELETE of the group takes its grant away.
    const put = await scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP], displayName: 'Supervisors', members: [{ value: b.id }] });
    expect(put.status).toBe(200);
    expect((await t.call('GET', '/api/admin/settings', { token: sb })).status).toBe(200);
    expect((await scim('DELETE', `/Groups/${group.id}`)).status).toBe(204);
    expect((await t.call('GET', '/api/admin/settings', { token: sb })).status).toBe(403);
    expect((await scim('GET', `/Groups/${group.id}`)).status).toBe(404);
  });

  it('maps groups only to roles that exist', async () => {
    const group = (await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Odd roles' })).body;
    const res = await t.call('PUT', `/api/admin/groups/${group.id}`, { token: adminToken, body: { roles: ['admin', 'overlord'], clients: [] } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'UNKNOWN_ROLE' });
    expect(res.body.error.message).toContain('overlord');
    const bad = await t.call('PUT', `/api/admin/groups/${group.id}`, { token: adminToken, body: { roles: [], clients: [{ kind: 'planet', externalId: 'x' }] } });
    expect(bad.status).toBe(400);
    const groups = (await t.call('GET', '/api/admin/groups', { token: adminToken })).body.groups;
    expect(groups.find((g: { id: string }) => g.id === group.id).roles).toEqual([]);
  });

  it('replaces a user with PUT; a PUT without active leaves them as they were', async () => {
    const user = (await scim('POST', '/Users', { schemas: [USER], userName: 'jeffrey.spender@contoso.example', name: { givenName: 'Jeffrey', familyName: 'Spender' } })).body;
    expect(user).toMatchObject({ displayName: 'Jeffrey Spender', active: true });
    expect(user.externalId).toBeUndefined();
    const put = await scim('PUT', `/Users/${user.id}`, { schemas: [USER], userName: 'j.spender@contoso.example', externalId: 'obj-1', displayName: 'J. Spender', active: false });
    expect(put.body).toMatchObject({ userName: 'j.spender@contoso.example', externalId: 'obj-1', displayName: 'J. Spender', active: false });
    const again = await scim('PUT', `/Users/${user.id}`, { schemas: [USER], userName: 'j.spender@contoso.example', externalId: 'obj-1' });
    expect(again.body).toMatchObject({ active: false, displayName: 'j.spender@contoso.example' });
    expect((await scim('GET', `/Users?${filter('externalId eq "obj-1"')}`)).body.Resources.map((u: { id: string }) => u.id)).toEqual([user.id]);
  });

  it('keeps a Teams user tied to their row when a PUT leaves externalId out, so a deactivation holds at their next sign-in', async () => {
    // Signed in from Teams first: the row is keyed by the Entra object id.
    const objectId = randomUUID();
    const userName = 'gibson.praise@contoso.example';
    const signedIn = await database.db.transaction((tx) => upsertHostAgent(tx, { tenantId, host: 'teams', externalUserId: objectId, displayName: 'Gibson Praise', userName }));
    const put = await scim('PUT', `/Users/${signedIn.id}`, { schemas: [USER], userName, active: false });
    expect(put.status).toBe(200);
    expect(await agentRow(signedIn.id)).toMatchObject({ externalUserId: objectId, active: false });
    // The next Teams sign-in finds the deactivated row, not a fresh active one.
    await expect(database.db.transaction((tx) => upsertHostAgent(tx, { tenantId, host: 'teams', externalUserId: objectId, displayName: 'Gibson Praise', userName }))).rejects.toThrow(
      /deactivated/,
    );
    expect((await database.db.select().from(agents).where(and(eq(agents.tenantId, tenantId), eq(agents.externalUserId, objectId)))).map((a) => a.id)).toEqual([signedIn.id]);
  });

  it('signs in a Teams user whose sign-in name another user holds in other letters, without the name', async () => {
    const held = (await scim('POST', '/Users', { schemas: [USER], userName: 'Leyla.Harrison@Contoso.example', externalId: randomUUID() })).body;
    expect(held.userName).toBe('Leyla.Harrison@Contoso.example');
    const other = await database.db.transaction((tx) =>
      upsertHostAgent(tx, { tenantId, host: 'teams', externalUserId: randomUUID(), displayName: 'Leyla Harrison', userName: 'leyla.harrison@contoso.example' }),
    );
    expect(await agentRow(other.id)).toMatchObject({ userName: null, active: true });
  });

  it('answers a value the database cannot store with 400 invalidValue, and stores nothing', async () => {
    const before = (await database.db.select().from(agents).where(eq(agents.tenantId, tenantId))).length;
    const res = await scim('POST', '/Users', { schemas: [USER], userName: 'nul\u0000byte@contoso.example' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: 'invalidValue' });
    expect((await database.db.select().from(agents).where(eq(agents.tenantId, tenantId))).length).toBe(before);
  });

  it('pages through users with startIndex and count', async () => {
    const { tenantId: pagedTenant } = await provisionTenant(database.db, { host: 'teams', externalAccountId: `paged-${kind}` });
    const token = (await newScimToken(await adminOf(pagedTenant))).token;
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await scim('POST', '/Users', entraUser(`user${i}@paged.example`), token)).body.id);

    const first = await scim('GET', '/Users?startIndex=1&count=2', undefined, token);
    expect(first.body).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 2 });
    const seen = new Set<string>();
    for (let start = 1; start <= 5; start += 2) {
      const page = await scim('GET', `/Users?startIndex=${start}&count=2`, undefined, token);
      expect(page.body.totalResults).toBe(5);
      expect(page.body.startIndex).toBe(start);
      expect(page.body.Resources).toHaveLength(start === 5 ? 1 : 2);
      for (const u of page.body.Resources) seen.add(u.id);
    }
    expect([...seen].sort()).toEqual([...ids].sort());
    expect((await scim('GET', '/Users?startIndex=6&count=2', undefined, token)).body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    expect((await scim('GET', '/Users?count=0', undefined, token)).body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    expect((await scim('GET', '/Users?startIndex=0&count=1', undefined, token)).body).toMatchObject({ startIndex: 1, itemsPerPage: 1 });
    expect((await scim('GET', '/Users?count=5000', undefined, token)).body.itemsPerPage).toBe(5);
    expect((await scim('GET', '/Users?count=lots', undefined, token)).status).toBe(400);
    const only = await scim('GET', '/Users?attributes=userName', undefined, token);
    expect(Object.keys(only.body.Resources[0]).sort()).toEqual(['id', 'meta', 'schemas', 'userName']);
  });

  it('describes itself truthfully at ServiceProviderConfig, Schemas and ResourceTypes', async () => {
    const config = await scim('GET', '/ServiceProviderConfig', undefined, null);
    expect(config.status).toBe(200);
    expect(config.contentType).toMatch(/^application\/scim\+json/);
    expect(config.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      sort: { supported: false },
      etag: { supported: false },
      changePassword: { supported: false },
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken' })],
    });
    const schemas = await scim('GET', '/Schemas');
    expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toEqual([USER, GROUP]);
    const userSchema = (await scim('GET', `/Schemas/${USER}`)).body;
    const emails = userSchema.attributes.find((a: { name: string }) => a.name === 'emails');
    expect(emails).toMatchObject({ returned: 'never' });
    const types = await scim('GET', '/ResourceTypes');
    expect(types.body.Resources.map((r: { id: string; endpoint: string }) => [r.id, r.endpoint])).toEqual([
      ['User', '/Users'],
      ['Group', '/Groups'],
    ]);
    expect((await scim('GET', '/ResourceTypes/Group')).body.schema).toBe(GROUP);
    expect((await scim('GET', '/ResourceTypes/Device')).status).toBe(404);
    const openapi = await (await t.app.request('/api/openapi.json')).json();
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/scim/v2/Users', '/scim/v2/Groups/{id}', '/api/admin/scim/tokens', '/api/admin/groups/{id}']));
  });
});
