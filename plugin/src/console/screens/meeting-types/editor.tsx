import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { legalBasisLabels, mediaLabels, recordingPolicyLabels } from '../../format';
import type { ConfigurationProblem, LegalBasis, MediaKind, MeetingTypeChangeResponse, NoticePreview, RecordingPolicy } from '../../../api-types';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { Section } from '../../ui/screen';
import type { ConsoleMeetingType } from './data';
import { NoticePreviewPane } from './notice-preview';

export interface MeetingTypeDraft {
  name: string;
  recordingPolicy: RecordingPolicy;
  media: MediaKind;
  legalBasis: LegalBasis;
  e2ee: boolean;
  lobby: boolean;
  silentSupervision: boolean;
}

const options = <K extends string>(labels: Record<K, string>) => Object.entries<string>(labels).map(([value, label]) => ({ value, label }));

/** Only what the admin changed is sent, so a save never rewrites a field they did not touch. */
export function changedFields(before: MeetingTypeDraft, after: MeetingTypeDraft): Partial<MeetingTypeDraft> {
  return Object.fromEntries(Object.entries(after).filter(([key, value]) => before[key as keyof MeetingTypeDraft] !== value)) as Partial<MeetingTypeDraft>;
}

/** The meeting type form, with what customers would see under it beside it. */
export function MeetingTypeEditor({ type, onSaved, onDirtyChange }: { type: ConsoleMeetingType; onSaved: () => void; onDirtyChange?: (dirty: boolean) => void }) {
  const { TextField, Select, Checkbox, Button, Alert } = useKit();
  const { call } = useSession();
  const saved = useMemo<MeetingTypeDraft>(
    () => ({ name: type.name, recordingPolicy: type.recordingPolicy, media: type.media, legalBasis: type.legalBasis as LegalBasis, e2ee: type.e2ee ?? false, lobby: type.lobby ?? false, silentSupervision: type.silentSupervision ?? false }),
    [type],
  );
  const [draft, setDraft] = useState<MeetingTypeDraft>(saved);
  const [problems, setProblems] = useState<NoticePreview['problems']>([]);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onProblems = useCallback((next: NoticePreview['problems']) => setProblems(next), []);

  const change = (patch: Partial<MeetingTypeDraft>) => {
    setDraft({ ...draft, ...patch });
    setResult(null);
  };
  const problemFor = (field: ConfigurationProblem['fields'][number]) => problems.find((p) => p.fields.includes(field))?.message;
  const dirty = Object.keys(changedFields(saved, draft)).length > 0;
  const nameMissing = draft.name.trim() === '';

  // Unsaved changes are not dropped silently: the screen asks before another type replaces this
  // one, and the browser before the page is left.
  useEffect(() => onDirtyChange?.(dirty), [dirty, onDirtyChange]);
  useEffect(() => {
    if (!dirty) return undefined;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (nameMissing) {
      document.querySelector<HTMLElement>('[data-testid=mt-name]')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // Saved as the server keeps it (trimmed), so the draft is not left "changed" after saving.
      const cleaned = { ...draft, name: draft.name.trim() };
      const answer = await call<MeetingTypeChangeResponse>(`/api/admin/meeting-types/${encodeURIComponent(type.id)}`, { method: 'PUT', body: changedFields(saved, cleaned) });
      setDraft(cleaned);
      const versions = answer.noticeVersionsPublished;
      setResult(versions > 0 ? `Saved. ${versions} new notice version${versions === 1 ? '' : 's'} published: links sent from now on show the new words.` : 'Saved.');
      onSaved();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="console-editor">
      <Section title={`Edit ${type.name}`} testId="meeting-type-editor">
        <form className="console-stack" onSubmit={(event) => void submit(event)} noValidate>
          <TextField
            label="Name"
            required
            value={draft.name}
            error={nameMissing ? 'Enter a name: customers read it in the privacy notice.' : undefined}
            onChange={(name) => change({ name })}
            testId="mt-name"
          />
          <Select
            label="Recording"
            value={draft.recordingPolicy}
            options={options(recordingPolicyLabels)}
            error={problemFor('recordingPolicy')}
            onChange={(value) => change({ recordingPolicy: value as RecordingPolicy })}
            testId="mt-recording"
          />
          <Select label="Media" value={draft.media} options={options(mediaLabels)} onChange={(value) => change({ media: value as MediaKind })} testId="mt-media" />
          <Select
            label="Legal basis"
            hint="Recording the customer may refuse rests on consent; recording they cannot refuse needs a legal obligation or a legitimate interest."
            value={draft.legalBasis}
            options={options(legalBasisLabels)}
            error={problemFor('legalBasis')}
            onChange={(value) => change({ legalBasis: value as LegalBasis })}
            testId="mt-basis"
          />
          <Checkbox
            label="End-to-end encrypted"
            hint="Media is encrypted between the browsers, so not even Parley's server can see or record it. Only for meeting types that are never recorded."
            checked={draft.e2ee}
            onChange={(e2ee) => change({ e2ee })}
            testId="mt-e2ee"
          />
          {problemFor('e2ee') ? <Alert tone="warning">{problemFor('e2ee')}</Alert> : null}
          <Checkbox
            label="Customers wait in a lobby"
            hint="The customer sees and hears nothing, and shares nothing, until the agent lets them in. The agent can turn away someone who is not the person invited."
            checked={draft.lobby}
            onChange={(lobby) => change({ lobby })}
            testId="mt-lobby"
          />
          <Checkbox
            label="A supervisor may listen silently"
            hint="Supervisors may listen to running calls without speaking or being shown. The notice tells customers so; calls agreed to under an older notice cannot be supervised."
            checked={draft.silentSupervision}
            onChange={(silentSupervision) => change({ silentSupervision })}
            testId="mt-supervision"
          />
          {problemFor('silentSupervision') ? <Alert tone="warning">{problemFor('silentSupervision')}</Alert> : null}
          <ErrorAlert error={error} />
          {result ? (
            <Alert tone="success" testId="mt-saved">
              {result}
            </Alert>
          ) : null}
          <div>
            <Button type="submit" variant="primary" disabled={busy || !dirty} testId="mt-save">
              Save {type.name}
            </Button>
          </div>
        </form>
      </Section>
      <Section title="What customers will see" testId="meeting-type-preview">
        <NoticePreviewPane meetingTypeId={type.id} draft={draft} onProblems={onProblems} />
      </Section>
    </div>
  );
}
