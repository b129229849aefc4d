import { Button as GardenButton } from '@zendeskgarden/react-buttons';
import { Checkbox as GardenCheckbox, Field, Input, Select as GardenSelect, Textarea } from '@zendeskgarden/react-forms';
import type { ButtonProps, CheckboxProps, SelectProps, TextFieldProps } from './kit';

export function Button({ children, onClick, type = 'button', variant = 'secondary', disabled, testId, ariaLabel }: ButtonProps) {
  return (
    <GardenButton
      type={type}
      onClick={onClick}
      disabled={disabled}
      isPrimary={variant === 'primary' || variant === 'danger'}
      isDanger={variant === 'danger'}
      isBasic={variant === 'subtle'}
      data-testid={testId}
      aria-label={ariaLabel}
    >
      {children}
    </GardenButton>
  );
}

export function TextField({ label, hint, error, required, testId, name, value, onChange, type = 'text', multiline, autoComplete, min, max }: TextFieldProps) {
  const validation = error ? 'error' : undefined;
  return (
    <Field>
      <Field.Label>
        {label}
        {required ? ' (required)' : ''}
      </Field.Label>
      {hint ? <Field.Hint>{hint}</Field.Hint> : null}
      {multiline ? (
        <Textarea
          name={name}
          value={value}
          required={required}
          validation={validation}
          minRows={3}
          data-testid={testId}
          onChange={(event) => onChange(event.target.value)}
        />
      ) : (
        <Input
          name={name}
          type={type}
          value={value}
          required={required}
          validation={validation}
          autoComplete={autoComplete}
          min={min}
          max={max}
          data-testid={testId}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      {error ? <Field.Message validation="error">{error}</Field.Message> : null}
    </Field>
  );
}

export function Select({ label, hint, error, required, testId, name, value, onChange, options }: SelectProps) {
  return (
    <Field>
      <Field.Label>{label}</Field.Label>
      {hint ? <Field.Hint>{hint}</Field.Hint> : null}
      <GardenSelect
        name={name}
        value={value}
        required={required}
        validation={error ? 'error' : undefined}
        data-testid={testId}
        onChange={(event) => onChange(event.target.value)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </GardenSelect>
      {error ? <Field.Message validation="error">{error}</Field.Message> : null}
    </Field>
  );
}

export function Checkbox({ label, checked, onChange, hint, testId, disabled }: CheckboxProps) {
  return (
    <Field>
      <GardenCheckbox checked={checked} disabled={disabled} data-testid={testId} onChange={(event) => onChange(event.target.checked)}>
        <Field.Label>{label}</Field.Label>
        {hint ? <Field.Hint>{hint}</Field.Hint> : null}
      </GardenCheckbox>
    </Field>
  );
}
