import { useState } from 'react';
import type { ConsoleUser, Role, RolesResponse, UsersResponse } from '../../../api-types';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { Screen, Section } from '../../ui/screen';
import { useDebounced } from '../../use-debounced';
import { useLoad } from '../../use-load';
import { usePaged } from '../../use-paged';
import { AccessEditor, clientKindLabels } from './access-editor';

/** People per page: a screenful, and few enough to read the roles and clients of at once. */
const PAGE_SIZE = 50;

const actionLabels: Record<string, string> = {
  escalate: 'start video calls',
  list_recordings: 'list recordings',
  play_recording: 'play recordings',
  export_recording: 'export recordings',
  delete_recording: 'delete recordings early',
  configure: 'configure the account',
  read_audit: 'read the audit trail',
  handle_dsar: 'handle data-subject requests',
  place_legal_hold: 'place legal holds',
  supervise: 'listen to calls silently',
};

export function describeGrants(role: Role): string {
  const parts = Object.entries(role.grants).map(([action, scope]) => `${actionLabels[action] ?? action}${scope === 'all' ? '' : ' (some meeting types)'}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

/** Users with their roles and clients, and the roles there are; admins change a user's access here. */
export function UsersAndRoles({ level = 2 }: { level?: 2 | 3 }) {
  const { Table, Badge, Button, Text, Spinner, TextField } = useKit();
  const { call } = useSession();
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 300);
  const users = usePaged(
    async (cursor) => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) query.set('cursor', cursor);
      if (q) query.set('q', q);
      const page = await call<UsersResponse>(`/api/admin/users?${query}`);
      return { items: page.users, nextCursor: page.nextCursor };
    },
    [call, q],
  );
  const roles = useLoad(() => call<RolesResponse>('/api/admin/roles').then((r) => r.roles), [call]);
  const [editing, setEditing] = useState<ConsoleUser | null>(null);

  return (
    <>
      <Section title="People" testId="people" level={level}>
        <TextField label="Search people" hint="Part of a name or sign-in name, or a Zendesk or Teams user id" value={search} onChange={setSearch} testId="people-search" />
        <ErrorAlert error={users.error} />
        {users.items === undefined && !users.error ? <Spinner label="Loading people…" /> : null}
        {users.items && users.items.length === 0 ? <Text>{q ? 'No one matches.' : 'No one has signed in yet.'}</Text> : null}
        {users.items && users.items.length > 0 ? (
          <Table
            label="People"
            testId="people-table"
            rows={users.items}
            rowKey={(user) => user.id}
            columns={[
              { key: 'name', header: 'Name', render: (user) => user.name },
              { key: 'status', header: 'Status', render: (user) => (user.active ? 'Active' : 'Deactivated') },
              {
                key: 'roles',
                header: 'Roles',
                render: (user) => (
                  <span className="console-badges">
                    {user.roles.length === 0 ? 'None' : null}
                    {user.roles.map((role) => (
                      <Badge key={`${role.source}:${role.name}`} tone={role.source === 'admin' ? 'info' : 'neutral'}>
                        {role.name}
                        {role.source === 'host' ? ` (from ${user.host === 'teams' ? 'Teams' : 'Zendesk'})` : ''}
                      </Badge>
                    ))}
                  </span>
                ),
              },
              {
                key: 'clients',
                header: 'Clients',
                render: (user) =>
                  user.clients.length === 0
                    ? 'None'
                    : user.clients.map((c) => `${c.name ?? c.externalId} (${clientKindLabels[c.kind as keyof typeof clientKindLabels] ?? c.kind})`).join(', '),
              },
              {
                key: 'edit',
                header: 'Access',
                render: (user) => (
                  <Button onClick={() => setEditing(user)} disabled={!roles.data} ariaLabel={`Edit access of ${user.name}`} testId={`edit-access-${user.id}`}>
                    Edit
                  </Button>
                ),
              },
            ]}
          />
        ) : null}
        {users.nextCursor ? (
          <Button onClick={users.loadMore} disabled={users.busy} testId="people-more">
            Show more people
          </Button>
        ) : null}
      </Section>
      <Section title="Roles" testId="roles" level={level}>
        <ErrorAlert error={roles.error} />
        {roles.data === undefined && !roles.error ? <Spinner label="Loading roles…" /> : null}
        {roles.data ? (
          <Table
            label="Roles"
            rows={roles.data}
            rowKey={(role) => role.id}
            columns={[
              { key: 'name', header: 'Role', render: (role) => role.name },
              { key: 'kind', header: 'Kind', render: (role) => (role.builtIn ? 'Built in' : 'Custom') },
              { key: 'clients', header: 'Clients', render: (role) => (role.allClients ? 'Every client' : 'Assigned clients only') },
              { key: 'may', header: 'May', render: describeGrants },
            ]}
          />
        ) : null}
      </Section>
      {editing && roles.data ? (
        <AccessEditor
          user={editing}
          roles={roles.data}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            users.reload();
          }}
        />
      ) : null}
    </>
  );
}

export function PeopleScreen() {
  return (
    <Screen title="People and roles" intro="Who may do what in Parley. Roles from Zendesk or Teams come with each sign-in; the ones you give here are added to them.">
      <UsersAndRoles />
    </Screen>
  );
}
