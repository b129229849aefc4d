import { useState } from 'react';
import type { AccessAssignment, ClientKind, ConsoleUser, Role } from '../../../api-types';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';

export const clientKindLabels: Record<ClientKind, string> = {
  zendesk_organization: 'Zendesk organization',
  zendesk_brand: 'Zendesk brand',
  zendesk_group: 'Zendesk group',
  teams_team: 'Teams team',
};

const hostNames = { zendesk: 'Zendesk', teams: 'Teams' } as const;

/**
 * What an admin assigns a user in Parley. Roles and clients from the host or the identity provider
 * are shown but not editable here: the next sign-in would replace them anyway.
 */
export function AccessEditor({ user, roles, onClose, onSaved }: { user: ConsoleUser; roles: readonly Role[]; onClose: () => void; onSaved: () => void }) {
  const { Dialog, Checkbox, Button, Select, TextField, Text, Heading } = useKit();
  const { call, me, refreshMe } = useSession();
  const fromHost = user.roles.filter((r) => r.source === 'host').map((r) => r.name);
  const [assigned, setAssigned] = useState<string[]>(user.roles.filter((r) => r.source === 'admin').map((r) => r.name));
  const [clients, setClients] = useState<AccessAssignment['clients']>(
    user.clients.filter((c) => c.source === 'admin' && c.kind in clientKindLabels).map((c) => ({ kind: c.kind as ClientKind, externalId: c.externalId })),
  );
  const [newKind, setNewKind] = useState<ClientKind>(user.host === 'teams' ? 'teams_team' : 'zendesk_organization');
  const [newId, setNewId] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const toggle = (name: string, on: boolean) => setAssigned((current) => (on ? [...current, name] : current.filter((n) => n !== name)));

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await call(`/api/admin/users/${encodeURIComponent(user.id)}/access`, { method: 'PUT', body: { roles: assigned, clients } satisfies AccessAssignment });
      // Your own roles decide what the console offers you.
      if (user.id === me.id) await refreshMe();
      onSaved();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      title={`Access of ${user.name}`}
      onClose={onClose}
      testId="access-editor"
      actions={
        <Button variant="primary" onClick={() => void save()} disabled={busy} testId="save-access">
          Save access
        </Button>
      }
    >
      <div className="console-stack">
        {fromHost.length > 0 ? <Text muted>{`From ${hostNames[user.host]}: ${fromHost.join(', ')}. Change these in ${hostNames[user.host]}.`}</Text> : null}
        <fieldset className="console-fieldset">
          <legend>Roles given in Parley</legend>
          {roles.map((role) => (
            <Checkbox key={role.id} label={role.name} checked={assigned.includes(role.name)} onChange={(on) => toggle(role.name, on)} testId={`role-${role.name}`} />
          ))}
        </fieldset>
        <Heading level={3}>Clients given in Parley</Heading>
        {clients.length === 0 ? <Text muted>None.</Text> : null}
        <ul className="console-list">
          {clients.map((client) => (
            <li key={`${client.kind}:${client.externalId}`}>
              {clientKindLabels[client.kind]} {client.externalId}{' '}
              <Button
                variant="subtle"
                ariaLabel={`Remove ${clientKindLabels[client.kind]} ${client.externalId}`}
                onClick={() => setClients(clients.filter((c) => c !== client))}
              >
                Remove
              </Button>
            </li>
          ))}
        </ul>
        <div className="console-row">
          <Select
            label="Kind of client"
            value={newKind}
            onChange={(value) => setNewKind(value as ClientKind)}
            options={Object.entries(clientKindLabels).map(([value, label]) => ({ value, label }))}
          />
          <TextField label="Client id" hint="The id the host gives it, e.g. a Zendesk organization id." value={newId} onChange={setNewId} />
          <Button
            disabled={newId.trim() === ''}
            onClick={() => {
              setClients([...clients, { kind: newKind, externalId: newId.trim() }]);
              setNewId('');
            }}
          >
            Add client
          </Button>
        </div>
        <ErrorAlert error={error} />
      </div>
    </Dialog>
  );
}
