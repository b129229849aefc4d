import { useState } from 'react';
import { legalBasisLabels, mediaLabels, recordingPolicyLabels } from '../../format';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { Screen, Section } from '../../ui/screen';
import { useMeetingTypes } from './data';
import { MeetingTypeEditor } from './editor';

export function MeetingTypesScreen() {
  const { Table, Button, Spinner, Dialog, Text } = useKit();
  const types = useMeetingTypes();
  const [selected, setSelected] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  /** Another type the admin asked to edit while this one has unsaved changes. */
  const [pending, setPending] = useState<string | null>(null);
  const current = types.data?.find((t) => t.id === selected) ?? types.data?.[0];

  const open = (id: string) => {
    setSelected(id);
    setDirty(false);
    // The editor replaces what was there: take the keyboard to it.
    window.setTimeout(() => document.querySelector<HTMLElement>('[data-testid=mt-name]')?.focus(), 0);
  };
  const choose = (id: string) => (dirty && id !== current?.id ? setPending(id) : open(id));

  return (
    <Screen title="Meeting types" intro="Each kind of video call says whether it is recorded, what is recorded and why. Customers read it in the privacy notice before they join.">
      <Section title="All meeting types">
        <ErrorAlert error={types.error} />
        {types.data ? (
          <Table
            label="Meeting types"
            testId="meeting-types-table"
            rows={types.data}
            rowKey={(type) => type.id}
            columns={[
              { key: 'name', header: 'Name', render: (type) => type.name },
              { key: 'recording', header: 'Recording', render: (type) => recordingPolicyLabels[type.recordingPolicy] },
              { key: 'media', header: 'Media', render: (type) => mediaLabels[type.media] },
              { key: 'basis', header: 'Legal basis', render: (type) => legalBasisLabels[type.legalBasis as keyof typeof legalBasisLabels] ?? type.legalBasis },
              { key: 'e2ee', header: 'End-to-end encrypted', render: (type) => (type.e2ee ? 'Yes' : 'No') },
              { key: 'lobby', header: 'Lobby', render: (type) => (type.lobby ? 'Yes' : 'No') },
              {
                key: 'edit',
                header: 'Edit',
                render: (type) => (
                  <Button onClick={() => choose(type.id)} ariaLabel={`Edit ${type.name}`} variant={type.id === current?.id ? 'primary' : 'secondary'} testId={`edit-${type.key}`}>
                    Edit
                  </Button>
                ),
              },
            ]}
          />
        ) : (
          <Spinner label="Loading meeting types…" />
        )}
      </Section>
      {current ? <MeetingTypeEditor key={current.id} type={current} onSaved={types.reload} onDirtyChange={setDirty} /> : null}
      <Dialog
        open={pending !== null}
        title={`Discard your changes to ${current?.name ?? 'this meeting type'}?`}
        onClose={() => setPending(null)}
        testId="discard-changes-dialog"
        actions={
          <>
            <Button variant="secondary" onClick={() => setPending(null)} testId="keep-editing">
              Keep editing
            </Button>
            <Button
              variant="danger"
              onClick={() => {
                if (pending) open(pending);
                setPending(null);
              }}
              testId="discard-changes"
            >
              Discard changes
            </Button>
          </>
        }
      >
        <Text>They are not saved yet. Keep editing to save them, or discard them and edit the other meeting type.</Text>
      </Dialog>
    </Screen>
  );
}
