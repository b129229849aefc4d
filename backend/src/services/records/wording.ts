import type { Action } from '../access/permissions.js';
import { classifyRegion } from './classify-region.js';
import type { MeetingTypeFacts } from './collect-processing-facts.js';
import type { DeploymentFacts, StorageLocationFact } from './describe-deployment.js';

/** The sentences both documents share, so the record and the DPIA never describe one fact two ways. */

export function days(n: number): string {
  const base = n === 1 ? '1 day' : `${n} days`;
  if (n >= 365 && n % 365 === 0) return `${base} (${n / 365} year${n === 365 ? '' : 's'})`;
  return base;
}

export const legalBasisText: Record<MeetingTypeFacts['legalBasis'], string> = {
  consent: 'Consent, Art. 6(1)(a) GDPR; recording needs its own consent, which the customer can withdraw during the call (Art. 7(3))',
  legal_obligation: 'Legal obligation, Art. 6(1)(c) GDPR (for example the duty to record advice conversations under MiFID II)',
  legitimate_interest: 'Legitimate interests, Art. 6(1)(f) GDPR (serving the customer efficiently); the customer may object (Art. 21)',
};

export const mediaText: Record<MeetingTypeFacts['media'], string> = { audio: 'sound only', 'audio+video': 'sound and picture' };

export function recordingText(type: MeetingTypeFacts): string {
  switch (type.recordingPolicy) {
    case 'forbidden':
      return type.e2ee ? 'Never recorded: media is end-to-end encrypted, so the server cannot record it' : 'Never recorded';
    case 'optional':
      return `Recorded (${mediaText[type.media]}) only when the customer agrees`;
    case 'required':
      return `Always recorded (${mediaText[type.media]}); customers who do not accept are offered another way to reach the controller`;
    default: {
      const unknown: never = type.recordingPolicy;
      throw new Error(`unknown recording policy ${String(unknown)}`);
    }
  }
}

export function purposeText(type: MeetingTypeFacts): string {
  const call = `Helping customers with their request in a ${type.media === 'audio' ? 'voice' : 'video'} call with an agent, offered from a Zendesk ticket or a Teams chat`;
  switch (type.recordingPolicy) {
    case 'forbidden':
      return `${call}.`;
    case 'optional':
      return `${call}; keeping a recording as a record of the conversation where the customer agrees.`;
    case 'required':
      return `${call}; keeping a recording ${type.legalBasis === 'legal_obligation' ? 'as the law requires' : 'of every call'}.`;
    default: {
      const unknown: never = type.recordingPolicy;
      throw new Error(`unknown recording policy ${String(unknown)}`);
    }
  }
}

export function recorded(type: MeetingTypeFacts): boolean {
  return type.recordingPolicy !== 'forbidden';
}

export function storageText(name: string, location: StorageLocationFact | undefined): string {
  if (!location) return `Storage location "${name}" (not configured on this server: recordings wait until it is)`;
  const where = classifyRegion(location.region).place;
  if (location.kind === 'local') return `Disk of the Parley server ("${name}"), region ${location.region}: ${where}`;
  const provider = location.endpointHost ? `S3-compatible object storage at ${location.endpointHost}` : 'Amazon S3';
  return `${provider}, bucket ${location.bucket ?? '?'} in region ${location.region} ("${name}"): ${where}`;
}

export function kmsText(kms: DeploymentFacts['kms']): string {
  return kms.provider === 'vault'
    ? `HashiCorp Vault Transit at ${kms.host} (mount "${kms.mount}"), one derived key per account; master keys never leave Vault`
    : 'Local key files on the Parley server (one per account, mode 0600)';
}

export function mediaServersText(media: DeploymentFacts['media']): string[] {
  if (media.mode === 'managed') {
    return [`${media.nodes} Janus node${media.nodes === 1 ? '' : 's'} run by Parley on its own server${media.publicHost ? `, reached by browsers at ${media.publicHost}` : ''}`];
  }
  return media.nodes.map((node) => `Janus node "${node.id}": browsers reach ${node.browserHost}, Parley controls it at ${node.controlHost}`);
}

export function auditSinkText(sink: DeploymentFacts['auditSink']): string {
  if (!sink) return 'none (the audit trail is kept in Parley\'s database only)';
  return sink.kind === 'http' ? `HTTPS collector at ${sink.host}` : `Syslog collector (RFC 5424 over ${sink.transport.toUpperCase()}) at ${sink.host}`;
}

export const actionText: Record<Action, string> = {
  escalate: 'start calls',
  list_recordings: 'list recordings',
  play_recording: 'play recordings',
  export_recording: 'export recordings',
  delete_recording: 'delete recordings early',
  configure: 'configure the account',
  read_audit: 'read the audit trail',
  handle_dsar: 'handle data-subject requests',
  place_legal_hold: 'place and release legal holds',
  supervise: 'listen to calls silently where the meeting type and its notice allow it',
};

export function actionLabel(action: string): string {
  return (actionText as Record<string, string>)[action] ?? action;
}

export function listOf(items: string[], none = 'none'): string {
  return items.length === 0 ? none : items.join(', ');
}
