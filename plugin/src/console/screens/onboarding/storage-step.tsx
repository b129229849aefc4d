import { useState } from 'react';
import type { OnboardingResponse, StorageLocationsResponse } from '../../../api-types';
import { recordingPolicyLabels } from '../../format';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { useLoad } from '../../use-load';
import { useMeetingTypes } from '../meeting-types/data';
import type { StepProps } from './onboarding';

/** Marks a step with nothing to fill in as looked at; the server answers with the new state. */
export async function markReviewed(call: ReturnType<typeof useSession>['call'], key: string) {
  return (await call<OnboardingResponse>(`/api/admin/onboarding/steps/${encodeURIComponent(key)}`, { method: 'PUT', body: { reviewed: true } })).onboarding;
}

/** Where each meeting type's recordings are written; only locations in the account's regions are offered. */
export function StorageStep({ onChanged }: StepProps) {
  const { Select, Button, Text, Spinner } = useKit();
  const { call } = useSession();
  const types = useMeetingTypes();
  const locations = useLoad(() => call<StorageLocationsResponse>('/api/admin/storage-locations').then((r) => r.locations), [call]);
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (!types.data || !locations.data) {
    const failed = types.error ?? locations.error;
    return failed ? <ErrorAlert error={failed} /> : <Spinner label="Loading storage locations…" />;
  }
  const allowed = locations.data.filter((l) => l.allowed);
  const options = allowed.map((l) => ({ value: l.name, label: `${l.name} (region ${l.region})` }));
  const fallback = allowed[0]?.name ?? '';
  const locationOf = (id: string, current?: string) => chosen[id] ?? current ?? fallback;

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      for (const type of types.data!) {
        const storageLocation = locationOf(type.id, type.storageLocation);
        if (storageLocation !== type.storageLocation) {
          await call(`/api/admin/meeting-types/${encodeURIComponent(type.id)}/storage-location`, { method: 'PUT', body: { storageLocation } });
        }
      }
      onChanged(await markReviewed(call, 'storage'));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const refused = locations.data.filter((l) => !l.allowed);
  return (
    <div className="console-stack">
      <Text>Recordings are encrypted before they are stored. Choose where each meeting type keeps them; recordings already made stay where they are.</Text>
      {refused.length > 0 ? <Text muted>{`Not offered, outside your account's regions: ${refused.map((l) => `${l.name} (${l.region})`).join(', ')}.`}</Text> : null}
      {allowed.length === 0 ? <Text>No storage location is in a region your account allows. Ask whoever runs Parley to add one.</Text> : null}
      {types.data.map((type) => (
        <Select
          key={type.id}
          label={`${type.name}: ${recordingPolicyLabels[type.recordingPolicy].toLowerCase()}`}
          value={locationOf(type.id, type.storageLocation)}
          options={options}
          testId={`storage-${type.key}`}
          onChange={(value) => setChosen({ ...chosen, [type.id]: value })}
        />
      ))}
      <ErrorAlert error={error} />
      <div>
        <Button variant="primary" onClick={() => void save()} disabled={busy || allowed.length === 0} testId="save-step">
          Save and mark as reviewed
        </Button>
      </div>
    </div>
  );
}
