import type { ComponentType, ReactNode } from 'react';

/**
 * The few controls the console's screens are built from. Each host gets one implementation that
 * looks native there (Zendesk Garden inside Zendesk, Fluent UI inside Teams); screens only ever see
 * this interface, so a screen is written once and never names a design system.
 */

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

export interface ButtonProps {
  children: ReactNode;
  onClick?: () => void;
  type?: 'button' | 'submit';
  variant?: 'primary' | 'secondary' | 'danger' | 'subtle';
  disabled?: boolean;
  testId?: string;
  /** Needed when the visible text alone is ambiguous (e.g. "Edit" in a table row). */
  ariaLabel?: string;
}

interface FieldBase {
  label: string;
  hint?: string;
  /** Shown under the field and announced with it. */
  error?: string;
  required?: boolean;
  testId?: string;
  name?: string;
}

export interface TextFieldProps extends FieldBase {
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'email' | 'url' | 'number';
  multiline?: boolean;
  autoComplete?: string;
  min?: number;
  max?: number;
}

export interface SelectOption {
  value: string;
  label: string;
}

export interface SelectProps extends FieldBase {
  value: string;
  onChange: (value: string) => void;
  options: readonly SelectOption[];
}

export interface CheckboxProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: string;
  testId?: string;
  disabled?: boolean;
}

export interface Column<Row> {
  key: string;
  header: string;
  render: (row: Row) => ReactNode;
  /** Right-aligned, for figures. */
  numeric?: boolean;
  /** A fixed width (CSS length) where the content's natural width would crowd a wider column. */
  width?: string;
}

export interface TableProps<Row> {
  /** Names the table for screen readers. */
  label: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  testId?: string;
}

export interface TabsProps {
  label: string;
  tabs: readonly { id: string; label: string }[];
  selected: string;
  onSelect: (id: string) => void;
  /** The selected tab's panel. */
  children: ReactNode;
  testId?: string;
}

export interface NavItem {
  href: string;
  label: string;
  current: boolean;
}

export interface NavProps {
  label: string;
  items: readonly NavItem[];
}

export interface BadgeProps {
  tone: Tone;
  children: ReactNode;
  testId?: string;
}

export interface AlertProps {
  tone: Exclude<Tone, 'neutral'>;
  title?: string;
  children: ReactNode;
  testId?: string;
}

export interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Buttons along the bottom; the dialog adds none of its own besides closing. */
  actions: ReactNode;
  testId?: string;
}

export interface HeadingProps {
  level: 1 | 2 | 3;
  children: ReactNode;
  id?: string;
  /** -1 lets the console move focus to a screen's title when the screen changes. */
  tabIndex?: number;
}

export interface TextProps {
  children: ReactNode;
  muted?: boolean;
  testId?: string;
}

export interface LinkProps {
  href: string;
  children: ReactNode;
  /** Opens elsewhere: a new tab, with no way back into the console. */
  external?: boolean;
  testId?: string;
}

export interface Kit {
  /** Wraps the whole console: the host's theme, fonts and colours. */
  Theme: ComponentType<{ children: ReactNode }>;
  Button: ComponentType<ButtonProps>;
  TextField: ComponentType<TextFieldProps>;
  Select: ComponentType<SelectProps>;
  Checkbox: ComponentType<CheckboxProps>;
  Table: <Row>(props: TableProps<Row>) => ReactNode;
  Tabs: ComponentType<TabsProps>;
  Nav: ComponentType<NavProps>;
  Badge: ComponentType<BadgeProps>;
  Alert: ComponentType<AlertProps>;
  Dialog: ComponentType<DialogProps>;
  Heading: ComponentType<HeadingProps>;
  Text: ComponentType<TextProps>;
  Link: ComponentType<LinkProps>;
  Spinner: ComponentType<{ label: string }>;
}
