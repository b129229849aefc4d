import type { ProcessingFacts } from './collect-processing-facts.js';
import { auditSinkText, kmsText, listOf, mediaServersText, recorded, storageText } from './wording.js';

export interface Recipient {
  name: string;
  role: string;
  receives: string;
  location: string;
}

/** Storage locations that recording meeting types write to now, with the types that use each. */
export function storageInUse(facts: ProcessingFacts): { name: string; types: string[] }[] {
  const byLocation = new Map<string, string[]>();
  for (const type of facts.meetingTypes.filter(recorded)) byLocation.set(type.storageLocation, [...(byLocation.get(type.storageLocation) ?? []), type.name]);
  return [...byLocation.entries()].map(([name, types]) => ({ name, types })).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Who receives personal data, or its encrypted form, under this configuration (Art. 30(1)(d)). */
export function listRecipients(facts: ProcessingFacts): Recipient[] {
  const d = facts.deployment;
  const hostAccounts = (host: 'zendesk' | 'teams') => facts.installations.filter((i) => i.host === host).map((i) => i.account);
  const recipients: Recipient[] = [
    {
      name: 'Parley (this installation)',
      role: 'Processor (Art. 28 GDPR): runs the video escalation service for the controller',
      receives: 'All categories listed above',
      location: 'Servers of the operator of this installation',
    },
  ];
  if (d) {
    const anyE2ee = facts.meetingTypes.some((t) => t.e2ee);
    recipients.push({
      name: 'Janus media servers',
      role: 'Part of the Parley service: relays the calls\' audio and video (WebRTC)',
      receives: `Live audio and video while a call runs, encrypted in transit (DTLS-SRTP)${anyE2ee ? '; for end-to-end encrypted types only frames it cannot decrypt' : ''}; raw recordings of recorded calls until they are encrypted`,
      location: mediaServersText(d.media).join('; '),
    });
    if (d.turnHosts.length > 0) {
      recipients.push({
        name: 'STUN/TURN relay',
        role: 'Helps browsers behind restrictive networks reach the media servers',
        receives: 'Encrypted media packets and the network addresses of participants\' browsers',
        location: listOf(d.turnHosts),
      });
    }
  }
  for (const use of storageInUse(facts)) {
    const location = d?.storage.find((s) => s.name === use.name);
    recipients.push({
      name: location?.kind === 's3' ? 'Object storage provider' : 'Recording storage',
      role: location?.kind === 's3' ? 'Sub-processor: keeps the encrypted recordings' : 'Part of the Parley service: keeps the encrypted recordings',
      receives: `Encrypted recordings only (ciphertext, object size and times) of: ${use.types.join(', ')}`,
      location: storageText(use.name, location),
    });
  }
  if (d) {
    recipients.push({
      name: 'Key management',
      role: d.kms.provider === 'vault' ? 'Key service: wraps and unwraps keys with the account\'s master key' : 'Part of the Parley service',
      receives: 'Key material only, no personal data',
      location: kmsText(d.kms),
    });
  }
  const zendeskAccounts = hostAccounts('zendesk');
  if (zendeskAccounts.length > 0 || d?.hosts.zendeskSignIn || d?.hosts.sunshineConversations) {
    recipients.push({
      name: 'Zendesk',
      role: 'The controller\'s helpdesk provider, under the controller\'s own agreement with Zendesk',
      receives: `Internal notes on tickets (call offered, notice version, the customer's decision, a link to the access-controlled viewer, never a recording); consent links in public replies${d?.hosts.sunshineConversations ? ' and in messaging conversations (Sunshine Conversations)' : ''}. Parley reads the signing-in user's role, organizations and groups`,
      location: d?.hosts.zendeskApiHost ?? (zendeskAccounts.length > 0 ? zendeskAccounts.map((a) => `${a}.zendesk.com`).join(', ') : 'The account\'s zendesk.com address'),
    });
  }
  const teamsTenants = hostAccounts('teams');
  if (teamsTenants.length > 0 || d?.hosts.teamsBot || d?.hosts.teamsSignIn) {
    recipients.push({
      name: 'Microsoft (Teams, Bot Framework, Entra ID)',
      role: 'The controller\'s collaboration provider, under the controller\'s own agreement with Microsoft',
      receives: 'Bot messages with consent links and call notices in Teams chats; Parley verifies Teams sign-in tokens against Entra ID',
      location: teamsTenants.length > 0 ? `Microsoft 365 tenant${teamsTenants.length === 1 ? '' : 's'} ${teamsTenants.join(', ')}` : 'Microsoft cloud',
    });
  }
  if (d?.auditSink) {
    recipients.push({
      name: 'Audit collector',
      role: 'Keeps an off-host copy of the audit trail',
      receives: 'Every audit event: ids, actions and times; personal data only sealed under the customer\'s key',
      location: auditSinkText(d.auditSink),
    });
  }
  if (facts.identity.saml?.enabled || facts.identity.scimProvisioning) {
    recipients.push({
      name: 'The controller\'s identity provider',
      role: 'Signs staff in and provisions them (the controller\'s own service)',
      receives: [
        facts.identity.saml?.enabled ? `SAML sign-in requests for the console (identity provider ${facts.identity.saml.idpEntityId})` : '',
        facts.identity.scimProvisioning ? 'SCIM answers about the users and groups it provisioned' : '',
      ].filter(Boolean).join('; '),
      location: facts.identity.saml?.idpEntityId ?? 'As the controller runs it',
    });
  }
  recipients.push({
    name: 'Controller\'s staff',
    role: 'Internal recipients, limited by role, meeting type and client (see access control)',
    receives: 'What their role allows',
    location: 'The controller',
  });
  return recipients;
}
