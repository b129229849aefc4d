import { useEffect, useState } from 'react';
import type { RetentionChangeResponse, RetentionPeriods } from '../../../api-types';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { useLoad } from '../../use-load';
import { retentionOf, type ConsoleMeetingType } from '../meeting-types/data';

type Form = Record<keyof RetentionPeriods, string>;

const fields: readonly { key: keyof RetentionPeriods; label: string; hint: string }[] = [
  { key: 'recordingDays', label: 'Keep recordings for (days)', hint: 'Counted from when a recording is stored.' },
  { key: 'metadataDays', label: 'Keep call details for (days)', hint: 'Times and participants, counted from the end of the call. At least as long as the other two.' },
  { key: 'consentDays', label: 'Keep consent records for (days)', hint: 'Proof of what the customer agreed to, counted from the end of the call.' },
];

const toForm = (p: RetentionPeriods): Form => ({ recordingDays: String(p.recordingDays), metadataDays: String(p.metadataDays), consentDays: String(p.consentDays) });

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What a preview says the next retention run would delete, in words. */
export function describeDeletion(affected: RetentionChangeResponse['affected']): string {
  const parts = [plural(affected.recordings, 'recording', 'recordings'), plural(affected.consentRecords, 'consent record', 'consent records'), plural(affected.calls, 'call', 'calls')];
  const held = affected.heldRecordings > 0 ? ` ${plural(affected.heldRecordings, 'recording is', 'recordings are')} under legal hold and kept.` : '';
  return `At the next retention run these periods would delete ${parts.join(', ')}.${held}`;
}

/**
 * One meeting type's retention periods. Saving first asks the server what the new periods would
 * delete; when that is anything at all, the admin confirms before the periods are saved.
 */
export function RetentionEditor({ type, onSaved }: { type: ConsoleMeetingType; onSaved?: () => void }) {
  const { TextField, Button, Dialog, Text, Alert, Spinner } = useKit();
  const { call } = useSession();
  const current = useLoad(() => Promise.resolve(retentionOf(type)), [type]);
  const [form, setForm] = useState<Form | null>(null);
  const [pending, setPending] = useState<RetentionChangeResponse | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (current.data) setForm((previous) => previous ?? toForm(current.data!));
  }, [current.data]);

  if (!form) return current.error ? <ErrorAlert error={current.error} /> : <Spinner label={`Loading the periods of ${type.name}…`} />;

  const url = `/api/admin/meeting-types/${encodeURIComponent(type.id)}/retention`;
  const send = (confirm: boolean) =>
    call<RetentionChangeResponse>(url, {
      method: 'PUT',
      body: { recordingDays: Number(form.recordingDays), metadataDays: Number(form.metadataDays), consentDays: Number(form.consentDays), confirm },
    });

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const confirm = () =>
    run(async () => {
      await send(true);
      setPending(null);
      setSaved(`Saved the periods of ${type.name}.`);
      onSaved?.();
    });

  const save = () =>
    run(async () => {
      const preview = await send(false);
      const { recordings, consentRecords, calls } = preview.affected;
      if (recordings + consentRecords + calls > 0) setPending(preview);
      else await confirm();
    });

  const invalid = (value: string) => (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 36_500 ? undefined : 'Enter a whole number of days from 1 to 36500.');

  return (
    <fieldset className="console-fieldset" data-testid={`retention-${type.key}`}>
      <legend>{type.name}</legend>
      <div className="console-grid">
        {fields.map((field) => (
          <TextField
            key={field.key}
            label={field.label}
            hint={field.hint}
            type="number"
            min={1}
            max={36_500}
            value={form[field.key]}
            error={invalid(form[field.key])}
            testId={`${type.key}-${field.key}`}
            onChange={(value) => setForm({ ...form, [field.key]: value })}
          />
        ))}
      </div>
      <Button onClick={() => void save()} disabled={busy || fields.some((f) => invalid(form[f.key]))} testId={`save-retention-${type.key}`}>
        Save periods of {type.name}
      </Button>
      <ErrorAlert error={error} />
      {saved ? (
        <Alert tone="success" testId={`retention-saved-${type.key}`}>
          {saved}
        </Alert>
      ) : null}
      <Dialog
        open={pending !== null}
        title={`Delete data of ${type.name} sooner?`}
        onClose={() => setPending(null)}
        actions={
          <Button variant="danger" onClick={() => void confirm()} disabled={busy} testId="confirm-retention">
            Save and delete at the next run
          </Button>
        }
      >
        <Text>{pending ? describeDeletion(pending.affected) : ''}</Text>
        <Text muted>Deleted recordings cannot be recovered.</Text>
      </Dialog>
    </fieldset>
  );
}
