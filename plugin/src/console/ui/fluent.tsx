import {
  Badge as FluentBadge,
  Button as FluentButton,
  Dialog as FluentDialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  FluentProvider,
  Link as FluentLink,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner as FluentSpinner,
  Tab,
  Table as FluentTable,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  TabList,
  Text as FluentText,
  teamsLightTheme,
} from '@fluentui/react-components';
import { useId, type ReactNode } from 'react';
import { Button, Checkbox, Select, TextField } from './fluent-forms';
import type { AlertProps, BadgeProps, DialogProps, HeadingProps, Kit, LinkProps, NavProps, TableProps, TabsProps, TextProps } from './kit';

function Theme({ children }: { children: ReactNode }) {
  return (
    <FluentProvider theme={teamsLightTheme}>
      <div className="console-theme console-theme-teams">{children}</div>
    </FluentProvider>
  );
}

function Table<Row>({ label, columns, rows, rowKey, testId }: TableProps<Row>): ReactNode {
  return (
    <FluentTable aria-label={label} data-testid={testId}>
      <TableHeader>
        <TableRow>
          {columns.map((column) => (
            <TableHeaderCell
              key={column.key}
              scope="col"
              style={column.width ? { width: column.width } : undefined}
              button={column.numeric ? { style: { justifyContent: 'flex-end' } } : undefined}
            >
              {column.header}
            </TableHeaderCell>
          ))}
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={rowKey(row)}>
            {columns.map((column) => (
              <TableCell key={column.key} style={column.numeric ? { textAlign: 'end' } : undefined}>
                {column.render(row)}
              </TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </FluentTable>
  );
}

function Tabs({ label, tabs, selected, onSelect, children, testId }: TabsProps) {
  const base = useId();
  return (
    <div data-testid={testId}>
      <TabList aria-label={label} selectedValue={selected} onTabSelect={(_, data) => onSelect(String(data.value))}>
        {tabs.map((tab) => (
          <Tab key={tab.id} value={tab.id} id={`${base}-tab-${tab.id}`} aria-controls={`${base}-panel`}>
            {tab.label}
          </Tab>
        ))}
      </TabList>
      {/* Fluent's TabList has no panel of its own; this one follows the WAI-ARIA tabs pattern. */}
      <div role="tabpanel" id={`${base}-panel`} aria-labelledby={`${base}-tab-${selected}`} tabIndex={0} className="console-tabpanel">
        {children}
      </div>
    </div>
  );
}

function Nav({ label, items }: NavProps) {
  return (
    <nav aria-label={label} className="console-nav">
      <ul>
        {items.map((item) => (
          <li key={item.href} className={item.current ? 'is-current' : undefined}>
            <FluentLink href={item.href} aria-current={item.current ? 'page' : undefined}>
              {item.label}
            </FluentLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

const badgeColors = { neutral: 'informative', info: 'brand', success: 'success', warning: 'warning', danger: 'danger' } as const;

function Badge({ tone, children, testId }: BadgeProps) {
  return (
    <FluentBadge appearance={tone === 'danger' ? 'filled' : 'tint'} color={badgeColors[tone]} data-testid={testId} data-tone={tone}>
      {children}
    </FluentBadge>
  );
}

const intents = { info: 'info', success: 'success', warning: 'warning', danger: 'error' } as const;

function Alert({ tone, title, children, testId }: AlertProps) {
  return (
    <MessageBar intent={intents[tone]} role={tone === 'danger' ? 'alert' : 'status'} data-testid={testId} layout="multiline">
      <MessageBarBody>
        {title ? <MessageBarTitle>{title}</MessageBarTitle> : null}
        {children}
      </MessageBarBody>
    </MessageBar>
  );
}

function Dialog({ open, title, onClose, children, actions, testId }: DialogProps) {
  return (
    <FluentDialog open={open} onOpenChange={(_, data) => (data.open ? undefined : onClose())}>
      <DialogSurface data-testid={testId}>
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent>{children}</DialogContent>
          <DialogActions>
            {actions}
            <FluentButton appearance="secondary" onClick={onClose}>
              Close
            </FluentButton>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </FluentDialog>
  );
}

const headingSizes = { 1: 700, 2: 500, 3: 400 } as const;

function Heading({ level, children, id, tabIndex }: HeadingProps) {
  return (
    <FluentText as={`h${level}`} size={headingSizes[level]} weight="semibold" id={id} tabIndex={tabIndex} block className="console-heading">
      {children}
    </FluentText>
  );
}

function Text({ children, muted, testId }: TextProps) {
  return (
    <FluentText as="p" block data-testid={testId} className={muted ? 'console-muted' : undefined}>
      {children}
    </FluentText>
  );
}

function Link({ href, children, external, testId }: LinkProps) {
  return (
    <FluentLink href={href} data-testid={testId} target={external ? '_blank' : undefined} rel={external ? 'noopener noreferrer' : undefined}>
      {children}
      {external ? <span className="visually-hidden"> (opens in a new tab)</span> : null}
    </FluentLink>
  );
}

function Spinner({ label }: { label: string }) {
  return <FluentSpinner size="small" label={label} role="status" />;
}

export const fluentKit: Kit = { Theme, Button, TextField, Select, Checkbox, Table, Tabs, Nav, Badge, Alert, Dialog, Heading, Text, Link, Spinner };
