import type { ProcessingFacts } from './collect-processing-facts.js';
import type { Block } from './document.js';
import { actionLabel, auditSinkText, kmsText, listOf } from './wording.js';

function minutes(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} seconds`;
}

/** How staff sign in, as configured: host sign-in always, identity provider where set up. */
export function signInText(facts: ProcessingFacts): string {
  const d = facts.deployment;
  const ways = [
    d?.hosts.zendeskSignIn ? 'Zendesk signed URLs (RS256, checked against the app\'s key, replays refused)' : null,
    d?.hosts.teamsSignIn ? 'Teams single sign-on (Entra ID tokens checked for issuer, audience and scope)' : null,
    facts.identity.saml?.enabled ? `SAML 2.0 for the console (identity provider ${facts.identity.saml.idpEntityId}; signed assertions, accepted once)` : null,
    d?.demo ? 'demo sign-in (demo mode: anyone, any role)' : null,
  ].filter((w): w is string => w !== null);
  const provisioning = facts.identity.scimProvisioning
    ? ' Users and groups are provisioned by the identity provider (SCIM 2.0); deactivating a user there ends all their sessions at once.'
    : ' No identity provider provisions users (SCIM is not set up).';
  return `${ways.length > 0 ? `Staff sign in through: ${ways.join('; ')}.` : 'No host sign-in is configured on this server.'} No Parley passwords.${provisioning}`;
}

/** Art. 32 measures as this configuration has them, not as a brochure lists them. */
export function describeMeasures(facts: ProcessingFacts): Block[] {
  const d = facts.deployment;
  const e2eeTypes = facts.meetingTypes.filter((t) => t.e2ee).map((t) => t.name);
  const transport =
    d?.publicUrlHttps === true
      ? 'The public address is HTTPS: links, sessions and pages travel over TLS.'
      : d?.publicUrlHttps === false
        ? 'The public address (PUBLIC_BASE_URL) is plain HTTP: terminate TLS in front of Parley and Janus before production use.'
        : 'PUBLIC_BASE_URL is not set: links point at the listen address over plain HTTP; set an HTTPS address for production use.';
  const rows: string[][] = [
    [
      'Encryption at rest',
      `Recordings are encrypted while they are written: streaming AES-256-GCM in chunks, under a random key per recording, wrapped by a key per customer, wrapped by the account's master key. Master keys: ${d ? kmsText(d.kms) : 'as the server is configured'}. Only ciphertext reaches storage; the plaintext working files are removed.`,
    ],
    ['Encryption in transit', `${transport} Call media is encrypted with DTLS-SRTP (WebRTC).`],
    [
      'End-to-end encryption',
      e2eeTypes.length > 0 ? `On for: ${e2eeTypes.join(', ')}. The media server relays frames it cannot decrypt and cannot record.` : 'Off for every meeting type.',
    ],
    [
      'Access control',
      'One policy decides every access, deny by default: a user acts only within their own account, when one of their roles grants the action for the meeting type, and, for calls and recordings, only for the clients they work for (client segregation). Roles are read from the database on every request. Refused reads of recordings are audited.',
    ],
    ['Staff sign-in', signInText(facts)],
    [
      'Joining a call',
      `Consent and join links are single-use and expire after ${d ? minutes(d.joinLinkTtlSeconds) : 'a configured time'}; each call gets a media room with a random id, a PIN and a per-participant token. Customers decide before they join.`,
    ],
    [
      'Watching recordings',
      `Playback links are valid for ${d ? minutes(d.playbackTtlSeconds) : 'a few minutes'}, for one user and one recording; recordings are streamed, not downloadable, with a watermark of the viewer's name and the time; every view is audited.`,
    ],
    [
      'Audit trail',
      `Every change, view, export and deletion is written in the same transaction as the change, append-only and chained by SHA-256 over canonical JSON (RFC 8785), so an edited, removed or reordered entry is detected. Off-host copy: ${d ? auditSinkText(d.auditSink) : 'not described'}.`,
    ],
    [
      'Retention and deletion',
      'Automatic deletion per meeting type (section 6), recordings by crypto-shredding; legal holds keep what they cover until released.',
    ],
    ['Storage regions', `Recordings may be written only to regions the account allows (${listOf(facts.controller.allowedRegions)}); every write is checked.`],
    ['Data-subject rights', 'Access (Art. 15) and erasure (Art. 17) requests are tracked against the one-month deadline; exports are encrypted; erasure destroys the customer\'s key and redacts Parley\'s notes in the host.'],
    ['Minimisation', 'No IP address in consent records; logs carry ids and flags, never names, email addresses or tokens.'],
  ];
  return [
    { kind: 'table', caption: 'Technical and organisational measures', columns: ['Measure', 'As configured'], rows },
    {
      kind: 'table',
      caption: 'Roles: who may do what',
      columns: ['Role', 'May', 'Clients'],
      rows: facts.roles.map((role) => [
        `${role.name}${role.builtIn ? ' (built in)' : ''}`,
        listOf(role.grants.map((g) => (g.meetingTypes === 'all' ? actionLabel(g.action) : `${actionLabel(g.action)} (only ${listOf(g.meetingTypes)})`)), 'nothing'),
        role.allClients ? 'Every client' : 'Only the clients the user is assigned to',
      ]),
    },
  ];
}
