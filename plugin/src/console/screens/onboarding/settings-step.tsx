import { useState, type FormEvent } from 'react';
import type { OnboardingResponse, TenantSettings } from '../../../api-types';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import type { Loaded } from '../../use-load';
import type { StepProps } from './onboarding';

type SettingKey = 'controllerName' | 'controllerContact' | 'dpoContact' | 'privacyPolicyUrl' | 'alternativeContact';

interface FieldSpec {
  key: SettingKey;
  label: string;
  hint: string;
  type?: 'text' | 'email' | 'url';
  required: boolean;
  multiline?: boolean;
}

/** What each settings step asks, in the words the privacy notice will use. */
const stepFields: Record<'controller' | 'dpo' | 'privacy_policy', { intro: string; fields: FieldSpec[] }> = {
  controller: {
    intro: 'The company responsible for the calls. Customers read this name and contact on every privacy notice before they join.',
    fields: [
      { key: 'controllerName', label: 'Company name', hint: 'As customers know you, e.g. "Acme Bank AG".', required: true },
      { key: 'controllerContact', label: 'Contact for privacy questions', hint: 'A postal address or email address.', required: true, multiline: true },
    ],
  },
  dpo: {
    intro: 'Your data protection officer, whom customers can contact about their data.',
    fields: [{ key: 'dpoContact', label: 'Data protection officer contact', hint: 'An email address or postal address.', required: true, multiline: true }],
  },
  privacy_policy: {
    intro: 'The privacy notice links to your full privacy policy.',
    fields: [
      { key: 'privacyPolicyUrl', label: 'Privacy policy address', hint: 'An https:// link.', type: 'url', required: true },
      {
        key: 'alternativeContact',
        label: 'Another way to reach you',
        hint: 'Offered to customers who do not want a recorded call, e.g. a phone number. Optional.',
        required: false,
      },
    ],
  },
};

/** Controller, DPO and privacy-policy steps: they are done once the settings carry the details. */
export function SettingsStep({ step, settings, onChanged }: StepProps & { step: keyof typeof stepFields; settings: Loaded<TenantSettings> }) {
  const { TextField, Button, Text, Spinner } = useKit();
  const { call } = useSession();
  const spec = stepFields[step];
  const [values, setValues] = useState<Partial<Record<SettingKey, string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState<SettingKey[]>([]);
  const [busy, setBusy] = useState(false);

  if (!settings.data) return settings.error ? <ErrorAlert error={settings.error} /> : <Spinner label="Loading settings…" />;
  const valueOf = (key: SettingKey) => values[key] ?? settings.data![key] ?? '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // A required answer left empty is named beside its field, and nothing is sent.
    const empty = spec.fields.filter((field) => field.required && !valueOf(field.key).trim()).map((field) => field.key);
    setMissing(empty);
    if (empty.length > 0) {
      document.querySelector<HTMLElement>(`[name="${empty[0]}"]`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const change = Object.fromEntries(spec.fields.map((field) => [field.key, valueOf(field.key).trim() || null]));
      await call('/api/admin/settings', { method: 'PUT', body: change });
      onChanged((await call<OnboardingResponse>('/api/admin/onboarding')).onboarding);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="console-stack" onSubmit={(event) => void submit(event)} noValidate>
      <Text>{spec.intro}</Text>
      {spec.fields.map((field) => (
        <TextField
          key={field.key}
          name={field.key}
          label={field.label}
          hint={field.hint}
          type={field.type}
          required={field.required}
          multiline={field.multiline}
          value={valueOf(field.key)}
          error={missing.includes(field.key) && !valueOf(field.key).trim() ? `Enter the ${field.label.toLowerCase()}; the privacy notice needs it.` : undefined}
          testId={`setting-${field.key}`}
          onChange={(value) => setValues({ ...values, [field.key]: value })}
        />
      ))}
      <ErrorAlert error={error} />
      <div>
        <Button type="submit" variant="primary" disabled={busy} testId="save-step">
          Save and continue
        </Button>
      </div>
    </form>
  );
}
