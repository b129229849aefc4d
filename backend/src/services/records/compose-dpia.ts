import type { MeetingTypeFacts, ProcessingFacts } from './collect-processing-facts.js';
import type { ComposedDocument, DocumentSection } from './document.js';
import { findTransfers } from './find-transfers.js';
import { storageInUse } from './list-recipients.js';
import { auditSinkText, days, kmsText, legalBasisText, listOf, recorded, recordingText } from './wording.js';

type Level = 'Low' | 'Medium' | 'High';
interface Risk {
  risk: string;
  measures: string;
  level: Level;
  residual: string;
}

const names = (types: MeetingTypeFacts[]) => listOf(types.map((t) => t.name));

function recordingRisk(facts: ProcessingFacts): Risk {
  const types = facts.meetingTypes;
  // A basis that does not carry recording every call, or a choice offered under a basis that is not consent.
  const mismatched = types.filter(
    (t) => (t.recordingPolicy === 'required' && t.legalBasis !== 'legal_obligation') || (t.recordingPolicy === 'optional' && t.legalBasis !== 'consent'),
  );
  return {
    risk: 'Unlawful recording',
    measures: `${facts.recordingSwitchedOn ? '' : 'Recording is switched off for the whole account. '}Per meeting type: never recorded: ${names(types.filter((t) => t.recordingPolicy === 'forbidden'))}; only with the customer's consent: ${names(types.filter((t) => t.recordingPolicy === 'optional'))}; always, as the law requires: ${names(types.filter((t) => t.recordingPolicy === 'required'))}. The server starts a recording only when the type's policy and the customer's recorded decision allow it; a visible indicator shows it; withdrawing consent stops it at once; end-to-end encrypted types cannot be recorded.`,
    level: mismatched.length > 0 ? 'Medium' : 'Low',
    residual:
      mismatched.length > 0
        ? `Check the legal basis of ${names(mismatched)}: ${mismatched.map((t) => `${t.name} is "${recordingText(t)}" under ${t.legalBasis.replace('_', ' ')}`).join('; ')}.`
        : 'A participant may record their own screen outside Parley; Parley cannot prevent that.',
  };
}

function confidentialityRisk(facts: ProcessingFacts): Risk {
  const d = facts.deployment;
  const localRecordings = storageInUse(facts).some((use) => use.name === 'local');
  const keysBesideData = d?.kms.provider === 'local' && localRecordings;
  return {
    risk: 'Loss of confidentiality at rest (stolen disk, bucket or backup)',
    measures: `AES-256-GCM chunked encryption with a key per recording, wrapped by a key per customer, wrapped by the account's master key. Master keys: ${d ? kmsText(d.kms) : 'not described on this server'}. Only ciphertext is stored.`,
    level: !d ? 'Medium' : keysBesideData ? 'Medium' : 'Low',
    residual: !d
      ? 'Key management is not described on this server; confirm where the master keys are kept.'
      : keysBesideData
        ? 'The master key files are on the same server as the recordings: someone with that server\'s disk, or a backup holding both, reads everything. Keep key backups apart, or use Vault (KMS_PROVIDER=vault).'
        : 'Someone who holds both the stored objects and the master key can decrypt; the key service and the storage are separate.',
  };
}

function risks(facts: ProcessingFacts): Risk[] {
  const d = facts.deployment;
  const playbackRoles = facts.roles.filter((r) => r.grants.some((g) => g.action === 'play_recording')).map((r) => r.name);
  const { transfers, allowedOutsideEu } = findTransfers(facts);
  const list: Risk[] = [
    {
      risk: 'Unauthorised joining of a call',
      measures: `Consent and join links are single-use and expire (${d ? `${Math.round(d.joinLinkTtlSeconds / 60)} minutes` : 'configured lifetime'}); the customer decides on the notice before joining; each room has a random id and PIN, and the media server admits only participants with their own token.`,
      level: 'Low',
      residual: 'A customer who passes on an unused link lets one other person in, once; the agent sees who is in the call.',
    },
    recordingRisk(facts),
    {
      risk: 'Keeping data longer than needed',
      measures: `Retention per meeting type (${facts.meetingTypes.map((t) => `${t.name}: ${recorded(t) ? `recordings ${days(t.retention.recordingDays)}, ` : ''}metadata ${days(t.retention.metadataDays)}, consent records ${days(t.retention.consentDays)}`).join('; ')}), deleted automatically; recordings by destroying their key; legal holds audited.`,
      level: 'Low',
      residual: 'Database backups keep deleted metadata until they rotate (recordings in backups are unreadable once their key is gone); customer contact data stays until the customer is erased.',
    },
    {
      risk: 'Unauthorised playback of recordings',
      measures: `Only roles that may play recordings (${listOf(playbackRoles)}), for their meeting types and clients; playback links for one user and one recording, valid ${d ? `${Math.round(d.playbackTtlSeconds / 60)} minutes` : 'a few minutes'}; streamed, not downloadable, watermarked; every view audited.`,
      level: 'Low',
      residual: 'Someone allowed to watch can film the screen; the watermark names them.',
    },
    confidentialityRisk(facts),
    {
      risk: 'Access by vendors',
      measures: `Media servers are run by the operator (no third-party video service). Storage providers receive ciphertext only. Zendesk and Microsoft receive notes and links, never recordings. ${d?.auditSink ? `The audit collector (${auditSinkText(d.auditSink)}) receives events with personal data sealed.` : 'No audit collector receives a copy of the trail.'}`,
      level: transfers.some((t) => !t.safeguard) ? 'High' : transfers.length > 0 ? 'Medium' : 'Low',
      residual:
        transfers.length > 0
          ? `Recordings leave the EU: ${transfers.map((t) => `${t.what} to ${t.where}${t.safeguard ? ` (${t.safeguard})` : ' without a safeguard Parley can name'}`).join('; ')}.`
          : `Storage providers see object sizes and times. ${allowedOutsideEu.length > 0 ? `The account allows regions outside the EU (${allowedOutsideEu.join(', ')}).` : 'Recordings stay in the EU.'}`,
    },
    {
      risk: 'Tampering with the evidence (audit trail)',
      measures: 'Append-only, hash-chained audit trail written with each change; verifiable at any time.',
      level: d?.auditSink ? 'Low' : 'Medium',
      residual: d?.auditSink
        ? 'A rewrite of the database would disagree with the off-host copy.'
        : 'Someone who can write to the database could rewrite the whole chain consistently; set AUDIT_SINK_URL to keep an off-host copy.',
    },
    {
      risk: 'Interception in transit',
      measures: 'Call media encrypted with DTLS-SRTP; the service over TLS where the public address is HTTPS.',
      level: d?.publicUrlHttps === true ? 'Low' : d?.publicUrlHttps === false ? 'High' : 'Medium',
      residual:
        d?.publicUrlHttps === true
          ? 'None beyond the TLS set-up of the operator.'
          : 'The public address is not HTTPS (or not set): links and sessions could be read on the network.',
    },
  ];
  if (d?.demo) {
    list.push({ risk: 'Demo sign-in enabled', measures: 'None: demo mode lets anyone sign in with any role.', level: 'High', residual: 'Turn demo mode off (PARLEY_DEMO=0) before any real use.' });
  }
  return list;
}

/** A summary of the data protection impact assessment (Art. 35 GDPR) for one account, from its live configuration. */
export function composeDpia(facts: ProcessingFacts): ComposedDocument {
  const assessed = risks(facts);
  const high = assessed.filter((r) => r.level === 'High');
  const sections: DocumentSection[] = [
    {
      id: 'processing',
      heading: '1. The processing (Art. 35(7)(a))',
      blocks: [
        {
          kind: 'paragraph',
          text: `${facts.controller.name} offers customers audio and video calls with its agents through Parley, started from Zendesk tickets or Teams chats, and records some of them. Calls and recordings show people's faces, voices and what they say, and recordings can reveal special categories of data: this is why an assessment is carried out.`,
        },
        {
          kind: 'table',
          caption: 'Meeting types assessed',
          columns: ['Meeting type', 'Recording', 'Legal basis', 'Recordings kept'],
          rows: facts.meetingTypes.map((t) => [t.name, recordingText(t), legalBasisText[t.legalBasis], recorded(t) ? days(t.retention.recordingDays) : 'Not recorded']),
        },
      ],
    },
    {
      id: 'necessity',
      heading: '2. Necessity and proportionality (Art. 35(7)(b))',
      blocks: [
        {
          kind: 'list',
          items: [
            `Each meeting type has one purpose and one legal basis, shown to the customer before they decide, in ${listOf([...new Set(facts.meetingTypes.flatMap((t) => t.notices.map((n) => n.language)))])}.`,
            `Recording only where the type needs it: ${facts.meetingTypes.filter((t) => !recorded(t)).length} of ${facts.meetingTypes.length} types are never recorded.`,
            'Joining and recording are separate choices, and declining is as easy as accepting.',
            'Periods per type, deleted automatically; access and erasure requests handled in Parley.',
          ],
        },
      ],
    },
    {
      id: 'risks',
      heading: '3. Risks and the measures in place (Art. 35(7)(c)-(d))',
      blocks: [
        {
          kind: 'table',
          caption: 'Risks to customers and staff',
          columns: ['Risk', 'Measures in place (from the configuration)', 'Residual risk'],
          rows: assessed.map((r) => [r.risk, r.measures, `${r.level}: ${r.residual}`]),
        },
      ],
    },
    {
      id: 'conclusion',
      heading: '4. Conclusion',
      blocks: [
        high.length > 0
          ? { kind: 'warning', text: `High residual risk: ${high.map((r) => r.risk).join('; ')}. Reduce it before processing, or consult the supervisory authority (Art. 36 GDPR).` }
          : { kind: 'paragraph', text: 'No residual risk is rated high under this configuration, so this summary does not indicate prior consultation of the supervisory authority (Art. 36 GDPR).' },
        {
          kind: 'paragraph',
          text: 'This summary is generated from the configuration and supports, but does not replace, the controller\'s own assessment with the advice of its data protection officer (Art. 35(2)). Review it whenever the configuration version changes.',
        },
        { kind: 'list', items: ['Advice of the data protection officer: ____________________', 'Approved by, for the controller (name, role, date): ____________________'] },
      ],
    },
  ];
  return { kind: 'dpia', title: 'Data protection impact assessment: summary', subject: facts.controller.name, provision: 'Art. 35 GDPR', sections };
}
