import { Button as FluentButton, Checkbox as FluentCheckbox, Field, Input, Select as FluentSelect, Textarea } from '@fluentui/react-components';
import type { ButtonProps, CheckboxProps, SelectProps, TextFieldProps } from './kit';

const appearances = { primary: 'primary', secondary: 'secondary', danger: 'primary', subtle: 'subtle' } as const;

export function Button({ children, onClick, type = 'button', variant = 'secondary', disabled, testId, ariaLabel }: ButtonProps) {
  return (
    <FluentButton
      type={type}
      onClick={onClick}
      disabled={disabled}
      appearance={appearances[variant]}
      className={variant === 'danger' ? 'console-fluent-danger' : undefined}
      data-testid={testId}
      aria-label={ariaLabel}
    >
      {children}
    </FluentButton>
  );
}

export function TextField({ label, hint, error, required, testId, name, value, onChange, type = 'text', multiline, autoComplete, min, max }: TextFieldProps) {
  return (
    <Field label={label} hint={hint} required={required} validationState={error ? 'error' : 'none'} validationMessage={error}>
      {multiline ? (
        <Textarea name={name} value={value} data-testid={testId} resize="vertical" onChange={(_, data) => onChange(data.value)} />
      ) : (
        <Input
          name={name}
          type={type}
          value={value}
          autoComplete={autoComplete}
          min={min}
          max={max}
          data-testid={testId}
          onChange={(_, data) => onChange(data.value)}
        />
      )}
    </Field>
  );
}

export function Select({ label, hint, error, required, testId, name, value, onChange, options }: SelectProps) {
  return (
    <Field label={label} hint={hint} required={required} validationState={error ? 'error' : 'none'} validationMessage={error}>
      <FluentSelect name={name} value={value} data-testid={testId} onChange={(_, data) => onChange(data.value)}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </FluentSelect>
    </Field>
  );
}

export function Checkbox({ label, checked, onChange, hint, testId, disabled }: CheckboxProps) {
  const box = <FluentCheckbox label={label} checked={checked} disabled={disabled} data-testid={testId} onChange={(_, data) => onChange(data.checked === true)} />;
  return hint ? <Field hint={hint}>{box}</Field> : box;
}
