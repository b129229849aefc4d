import type { ProcessingFacts } from './collect-processing-facts.js';
import { describeMeasures } from './describe-measures.js';
import type { Block, ComposedDocument, DocumentSection } from './document.js';
import { findTransfers } from './find-transfers.js';
import { listRecipients } from './list-recipients.js';
import { days, legalBasisText, listOf, mediaText, purposeText, recorded, recordingText } from './wording.js';

const notSet = 'Not set';

function controllerSection(facts: ProcessingFacts): DocumentSection {
  const c = facts.controller;
  const installed = facts.installations.map((i) => (i.host === 'zendesk' ? `Zendesk account ${i.account}` : `Microsoft Teams tenant ${i.account}`));
  const blocks: Block[] = [
    {
      kind: 'table',
      caption: 'Controller and data protection officer',
      columns: ['Item', 'Details'],
      rows: [
        ['Controller', c.name],
        ['Controller contact', c.contact ?? notSet],
        ['Data protection officer', c.dpoContact ?? notSet],
        ['Privacy policy', c.privacyPolicyUrl ?? notSet],
        ['Other way to reach the controller', c.alternativeContact ?? notSet],
        ['Parley account', facts.tenantId],
        ['Installed in', listOf(installed)],
      ],
    },
  ];
  if (!c.dpoContact) blocks.push({ kind: 'warning', text: 'No data protection officer contact is configured. Where one is required (Art. 37 GDPR), enter it in the settings: the privacy notices name it too.' });
  if (!c.contact) blocks.push({ kind: 'warning', text: 'No controller contact is configured; Art. 30(1)(a) and Art. 13(1)(a) GDPR require one.' });
  if (facts.deployment?.demo) blocks.push({ kind: 'warning', text: 'This server runs in demo mode (anyone can sign in with any role). This is not a production set-up and this record does not describe one.' });
  return { id: 'controller', heading: '1. Controller and data protection officer (Art. 30(1)(a))', blocks };
}

function purposesSection(facts: ProcessingFacts): DocumentSection {
  return {
    id: 'purposes',
    heading: '2. Purposes and legal basis (Art. 30(1)(b))',
    blocks: [
      {
        kind: 'paragraph',
        text: 'Processing activity: video escalation of customer contacts with Parley. An agent offers a call from a Zendesk ticket or a Teams chat; the customer reads the privacy notice and decides; the call runs through the media servers listed below; where the meeting type allows it, the call is recorded, encrypted and kept for the period set for that type.',
      },
      {
        kind: 'table',
        caption: 'Purpose and legal basis per meeting type',
        columns: ['Meeting type', 'Purpose', 'Legal basis', 'Recording', 'End-to-end encrypted'],
        rows: facts.meetingTypes.map((t) => [`${t.name} (${t.key})`, purposeText(t), legalBasisText[t.legalBasis], recordingText(t), t.e2ee ? 'Yes' : 'No']),
      },
      ...(facts.recordingSwitchedOn
        ? []
        : [{ kind: 'warning' as const, text: 'Recording is switched off for the whole account: no call is recorded, whatever its meeting type allows, until an admin switches recording on. The recording policies above apply from then.' }]),
      {
        kind: 'table',
        caption: 'What customers are told before they decide (Art. 13 GDPR)',
        columns: ['Meeting type', 'Notice versions shown now'],
        rows: facts.meetingTypes.map((t) => [t.name, listOf(t.notices.map((n) => `${n.language} v${n.version}`))]),
      },
      {
        kind: 'paragraph',
        text: `Each notice names the controller, the data protection officer, the purpose, the legal basis, whether and how the call is recorded, how long it is kept, where it is stored ("${facts.controller.storageStatement}") and the customer's rights. Default language: ${facts.controller.defaultLanguage}. Every decision is kept with the version and SHA-256 hash of the notice the customer saw.`,
      },
    ],
  };
}

function dataSection(facts: ProcessingFacts): DocumentSection {
  const recordedTypes = facts.meetingTypes.filter(recorded);
  const rows: string[][] = [
    ['Contact data', 'Name, email address, language, Zendesk requester id or Teams user id', 'Customers', 'Parley database'],
    [
      'Staff identity',
      `Display name, host user id, roles and clients${facts.identity.scimProvisioning ? '; sign-in name, external id and active flag from the identity provider (SCIM)' : ''}`,
      'Staff',
      'Parley database',
    ],
    ['Call metadata', 'Meeting type, ticket or chat reference, client, times, who joined and left, why the call ended', 'Customers, staff', 'Parley database'],
    ['Consent records', 'Notice version and hash, language, channel, decision and time; no IP address', 'Customers', 'Parley database, append-only'],
  ];
  if (recordedTypes.length > 0) {
    rows.push([
      'Recordings',
      `${recordedTypes.map((t) => `${t.name}: ${mediaText[t.media]}`).join('; ')}${facts.recordingSwitchedOn ? '' : ' (none while recording is switched off for the account)'}`,
      'Customers, staff',
      'Encrypted storage (see recipients)',
    ]);
  }
  rows.push(['Audit entries', 'Who did what and when: views, exports, changes, deletions; personal details sealed under the customer\'s key', 'Customers, staff', 'Parley database, append-only and hash-chained']);
  rows.push(['Access-request exports', 'A copy of one customer\'s data, encrypted, for an access request (Art. 15)', 'Customers', 'Encrypted storage, deleted when its download link expires']);
  return {
    id: 'data',
    heading: '3. Categories of data subjects and personal data (Art. 30(1)(c))',
    blocks: [
      {
        kind: 'list',
        items: [
          'Customers: people who contact the controller and are offered a call.',
          'Staff: the controller\'s agents, supervisors, administrators and data protection officer who use Parley.',
        ],
      },
      { kind: 'table', caption: 'Categories of personal data', columns: ['Category', 'Data', 'About', 'Kept in'], rows },
      ...(recordedTypes.length > 0
        ? [{ kind: 'paragraph' as const, text: 'Recordings may reveal special categories of data (Art. 9 GDPR), for example health mentioned in the conversation or what the camera shows. Parley does not ask for them.' }]
        : []),
    ],
  };
}

function recipientsSection(facts: ProcessingFacts): DocumentSection {
  const blocks: Block[] = [
    { kind: 'table', caption: 'Recipients and processors', columns: ['Recipient', 'Role', 'Receives', 'Where'], rows: listRecipients(facts).map((r) => [r.name, r.role, r.receives, r.location]) },
  ];
  if (!facts.deployment) {
    blocks.push({ kind: 'warning', text: 'This server was started without a description of its deployment: media servers, storage providers, key management and the audit collector are not listed. Complete them from the operator\'s documentation.' });
  } else if (facts.deployment.simulatedVendors) {
    blocks.push({ kind: 'warning', text: 'Zendesk and Sunshine Conversations are simulated inside Parley on this server (PARLEY_FAKE_VENDORS): nothing reaches the real services.' });
  }
  return { id: 'recipients', heading: '4. Recipients (Art. 30(1)(d))', blocks };
}

function transfersSection(facts: ProcessingFacts): DocumentSection {
  const { transfers, allowedOutsideEu, euRegions } = findTransfers(facts);
  const blocks: Block[] = [];
  if (transfers.length === 0) {
    const anyRecorded = facts.meetingTypes.some(recorded);
    blocks.push({
      kind: 'paragraph',
      text: !anyRecorded
        ? 'No transfer to a third country through Parley\'s storage: no meeting type is recorded.'
        : facts.deployment
          ? `No transfer to a third country through Parley's storage: recordings are stored only in EU regions (${listOf(euRegions)}).`
          : 'The storage regions are not described on this server; the operator confirms them.',
    });
  } else {
    blocks.push({
      kind: 'table',
      caption: 'Transfers to third countries',
      columns: ['Data', 'To', 'Safeguard'],
      rows: transfers.map((t) => [t.what, t.where, t.safeguard ?? 'None identified']),
    });
    if (transfers.some((t) => !t.safeguard)) {
      blocks.push({ kind: 'warning', text: 'At least one transfer has no safeguard Parley can name: document one (Art. 46 GDPR, e.g. standard contractual clauses) or move the meeting type to an EU storage location.' });
    }
  }
  if (allowedOutsideEu.length > 0) {
    blocks.push({ kind: 'warning', text: `The account allows storage in regions outside the EU (${allowedOutsideEu.join(', ')}), although no meeting type stores there now.` });
  }
  blocks.push({
    kind: 'paragraph',
    text: 'Zendesk and Microsoft process what Parley sends them under the controller\'s own agreements with them, including any transfers those agreements provide for. Where the media servers, the key service and the audit collector physically run is the operator\'s to confirm: the configuration names their hosts, not their countries.',
  });
  return { id: 'transfers', heading: '5. Transfers to third countries (Art. 30(1)(e))', blocks };
}

function retentionSection(facts: ProcessingFacts): DocumentSection {
  const exportHours = facts.deployment ? `${facts.deployment.dsarExportTtlHours} hours` : 'the configured time';
  return {
    id: 'retention',
    heading: '6. Time limits for erasure (Art. 30(1)(f))',
    blocks: [
      {
        kind: 'table',
        caption: 'Retention per meeting type',
        columns: ['Meeting type', 'Recordings (from when stored)', 'Call metadata (from the end of the call)', 'Consent records (from the end of the call)'],
        rows: facts.meetingTypes.map((t) => [
          t.name,
          recorded(t) ? days(t.retention.recordingDays) : 'Not recorded',
          days(t.retention.metadataDays),
          days(t.retention.consentDays),
        ]),
      },
      {
        kind: 'list',
        items: [
          'A retention job on every server deletes what is due: recordings by destroying their key (crypto-shredding) and then removing and checking the stored object, then consent records, then the call. Each step is audited.',
          'A legal hold keeps everything it covers past these periods until it is released; placing and releasing are audited.',
          'Customer contact data is kept until the customer is erased (Art. 17) or the account is deleted; the retention job does not delete it.',
          'Deleting the account (after a full export) destroys its master key first, so every recording, copy and sealed audit entry becomes unreadable, then removes its data.',
          'The audit trail is kept for the life of the account (accountability, Art. 5(2)); personal details in it become unreadable when the customer is erased.',
          `Access-request exports are deleted ${exportHours} after they are made.`,
        ],
      },
    ],
  };
}

/** The record of processing activities (Art. 30(1) GDPR) for one account, from its live configuration. */
export function composeRecord(facts: ProcessingFacts): ComposedDocument {
  return {
    kind: 'records-of-processing',
    title: 'Record of processing activities',
    subject: facts.controller.name,
    provision: 'Art. 30(1) GDPR',
    sections: [
      controllerSection(facts),
      purposesSection(facts),
      dataSection(facts),
      recipientsSection(facts),
      transfersSection(facts),
      retentionSection(facts),
      { id: 'measures', heading: '7. Technical and organisational measures (Art. 30(1)(g), Art. 32)', blocks: describeMeasures(facts) },
    ],
  };
}
