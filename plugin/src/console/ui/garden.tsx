import { Anchor } from '@zendeskgarden/react-buttons';
import { Modal } from '@zendeskgarden/react-modals';
import { Alert as GardenAlert } from '@zendeskgarden/react-notifications';
import { Table as GardenTable } from '@zendeskgarden/react-tables';
import { Tab, TabList, TabPanel, Tabs as GardenTabs } from '@zendeskgarden/react-tabs';
import { Tag } from '@zendeskgarden/react-tags';
import { DEFAULT_THEME, ThemeProvider } from '@zendeskgarden/react-theming';
import { LG, Paragraph, XL, XXL } from '@zendeskgarden/react-typography';
import type { ReactNode } from 'react';
import { Button, Checkbox, Select, TextField } from './garden-forms';
import type { AlertProps, BadgeProps, DialogProps, HeadingProps, Kit, LinkProps, NavProps, TableProps, TabsProps, TextProps, Tone } from './kit';

function Theme({ children }: { children: ReactNode }) {
  return (
    <ThemeProvider theme={DEFAULT_THEME}>
      <div className="console-theme console-theme-zendesk">{children}</div>
    </ThemeProvider>
  );
}

function Table<Row>({ label, columns, rows, rowKey, testId }: TableProps<Row>): ReactNode {
  return (
    <GardenTable aria-label={label} data-testid={testId} isReadOnly>
      <GardenTable.Head>
        <GardenTable.HeaderRow>
          {columns.map((column) => (
            <GardenTable.HeaderCell key={column.key} scope="col" style={{ textAlign: column.numeric ? 'end' : undefined, width: column.width }}>
              {column.header}
            </GardenTable.HeaderCell>
          ))}
        </GardenTable.HeaderRow>
      </GardenTable.Head>
      <GardenTable.Body>
        {rows.map((row) => (
          <GardenTable.Row key={rowKey(row)}>
            {columns.map((column) => (
              <GardenTable.Cell key={column.key} style={column.numeric ? { textAlign: 'end' } : undefined}>
                {column.render(row)}
              </GardenTable.Cell>
            ))}
          </GardenTable.Row>
        ))}
      </GardenTable.Body>
    </GardenTable>
  );
}

function Tabs({ label, tabs, selected, onSelect, children, testId }: TabsProps) {
  return (
    <GardenTabs selectedItem={selected} onChange={(item: string) => onSelect(item)} data-testid={testId}>
      <TabList aria-label={label}>
        {tabs.map((tab) => (
          <Tab key={tab.id} item={tab.id}>
            {tab.label}
          </Tab>
        ))}
      </TabList>
      {tabs.map((tab) => (
        <TabPanel key={tab.id} item={tab.id}>
          {tab.id === selected ? children : null}
        </TabPanel>
      ))}
    </GardenTabs>
  );
}

function Nav({ label, items }: NavProps) {
  return (
    <nav aria-label={label} className="console-nav">
      <ul>
        {items.map((item) => (
          <li key={item.href} className={item.current ? 'is-current' : undefined}>
            <Anchor href={item.href} aria-current={item.current ? 'page' : undefined}>
              {item.label}
            </Anchor>
          </li>
        ))}
      </ul>
    </nav>
  );
}

const hues: Record<Tone, string> = { neutral: 'grey', info: 'blue', success: 'green', warning: 'yellow', danger: 'red' };

function Badge({ tone, children, testId }: BadgeProps) {
  return (
    <Tag hue={hues[tone]} data-testid={testId} data-tone={tone}>
      {children}
    </Tag>
  );
}

const alertTypes = { info: 'info', success: 'success', warning: 'warning', danger: 'error' } as const;

function Alert({ tone, title, children, testId }: AlertProps) {
  return (
    <GardenAlert type={alertTypes[tone]} role={tone === 'danger' ? 'alert' : 'status'} data-testid={testId}>
      {title ? <GardenAlert.Title>{title}</GardenAlert.Title> : null}
      <GardenAlert.Paragraph>{children}</GardenAlert.Paragraph>
    </GardenAlert>
  );
}

function Dialog({ open, title, onClose, children, actions, testId }: DialogProps) {
  if (!open) return null;
  return (
    <Modal onClose={onClose} data-testid={testId} isLarge>
      <Modal.Header tag="h2">{title}</Modal.Header>
      <Modal.Body>{children}</Modal.Body>
      <Modal.Footer>
        <Modal.FooterItem>{actions}</Modal.FooterItem>
      </Modal.Footer>
      <Modal.Close aria-label="Close" />
    </Modal>
  );
}

const headingSizes = { 1: XXL, 2: XL, 3: LG } as const;

function Heading({ level, children, id, tabIndex }: HeadingProps) {
  const Size = headingSizes[level];
  return (
    <Size tag={`h${level}`} id={id} tabIndex={tabIndex} isBold className="console-heading">
      {children}
    </Size>
  );
}

function Text({ children, muted, testId }: TextProps) {
  return (
    <Paragraph data-testid={testId} className={muted ? 'console-muted' : undefined}>
      {children}
    </Paragraph>
  );
}

function Link({ href, children, external, testId }: LinkProps) {
  return (
    <Anchor href={href} data-testid={testId} isExternal={external} externalIconLabel="(opens in a new tab)">
      {children}
    </Anchor>
  );
}

function Spinner({ label }: { label: string }) {
  return (
    <p role="status" className="console-muted">
      {label}
    </p>
  );
}

export const gardenKit: Kit = { Theme, Button, TextField, Select, Checkbox, Table, Tabs, Nav, Badge, Alert, Dialog, Heading, Text, Link, Spinner };
