import { createHash } from 'node:crypto';
import { classifyRegion, knownPlace } from '../records/classify-region.js';
import { locales, type NoticeLocale, type ShippedLanguage } from './locales/index.js';

export interface NoticeSection {
  key: string;
  heading: string;
  paragraphs: string[];
  link?: { text: string; href: string };
}

/** A notice exactly as shown to the customer: every word, in one language. */
export interface NoticeContent {
  language: ShippedLanguage;
  title: string;
  intro: string;
  /** One line for chat cards and ticket notes. */
  summary: string;
  recordingPolicy: 'required' | 'optional' | 'forbidden';
  legalBasis: 'consent' | 'legal_obligation' | 'legitimate_interest';
  media: 'audio' | 'audio+video';
  /** Present (and true) only where the notice tells the customer a supervisor may listen: supervision is allowed only then. */
  supervision?: true;
  sections: NoticeSection[];
}

export interface NoticeFacts {
  controllerName: string;
  controllerContact: string | null;
  dpoContact: string | null;
  privacyPolicyUrl: string | null;
  storageLocation: string;
  /** The storage region of the meeting type's recordings; set whenever it records. */
  recordingsRegion?: string;
  meetingTypeName: string;
  recordingPolicy: NoticeContent['recordingPolicy'];
  legalBasis: NoticeContent['legalBasis'];
  media: NoticeContent['media'];
  retentionDays: number;
  silentSupervision: boolean;
}

const unknownContact: Record<ShippedLanguage, string> = {
  en: 'Ask your agent for contact details.',
  de: 'Kontaktdaten erhalten Sie von Ihrem Ansprechpartner.',
  fr: 'Demandez les coordonnées à votre conseiller.',
  nl: 'Vraag uw medewerker om de contactgegevens.',
  es: 'Pida los datos de contacto a su agente.',
};

/**
 * Where the recordings go, from the region of the meeting type's storage location, so the notice
 * cannot claim the EU for a store in London (Art. 13(1)(f) GDPR: a transfer, and on what it rests).
 */
function recordingsStored(l: NoticeLocale, region: string | undefined): string {
  if (region === undefined) throw new Error('a recorded meeting type needs the region of its storage location in its notice');
  const where = classifyRegion(region);
  if (where.eu) return l.recordingsStored.inEu(knownPlace(region));
  if (where.adequacy) return l.recordingsStored.adequacy(knownPlace(region) ?? region);
  return l.recordingsStored.outsideEu(region);
}

/** Builds the full notice for one language from the tenant's facts and the meeting type's policy. */
export function buildNotice(language: ShippedLanguage, facts: NoticeFacts): NoticeContent {
  const l = locales[language];
  const recorded = facts.recordingPolicy !== 'forbidden';
  const recordingKey = facts.recordingPolicy === 'forbidden' ? 'none' : facts.recordingPolicy;
  const sections: NoticeSection[] = [
    { key: 'controller', heading: l.headings.controller, paragraphs: [facts.controllerName, facts.controllerContact ?? unknownContact[language]] },
    { key: 'dpo', heading: l.headings.dpo, paragraphs: [facts.dpoContact ?? unknownContact[language]] },
    { key: 'purpose', heading: l.headings.purpose, paragraphs: [l.defaultPurpose] },
    { key: 'legalBasis', heading: l.headings.legalBasis, paragraphs: [l.legalBasis[facts.legalBasis]] },
    {
      key: 'recording',
      heading: l.headings.recording,
      paragraphs: recorded ? [l.recording[recordingKey], l.media[facts.media]] : [l.recording.none],
    },
    {
      key: 'retention',
      heading: l.headings.retention,
      paragraphs: [recorded ? l.retention(facts.retentionDays) : l.notRecordedRetention],
    },
    ...(facts.silentSupervision ? [{ key: 'supervision', heading: l.headings.supervision, paragraphs: [l.supervision] }] : []),
    {
      key: 'storage',
      heading: l.headings.storage,
      paragraphs: recorded ? [facts.storageLocation, recordingsStored(l, facts.recordingsRegion)] : [facts.storageLocation],
    },
    { key: 'processors', heading: l.headings.processors, paragraphs: [l.processors] },
    { key: 'rights', heading: l.headings.rights, paragraphs: [...l.rights, l.withdrawal, l.complaint] },
  ];
  if (facts.privacyPolicyUrl) {
    sections.push({
      key: 'privacyPolicy',
      heading: l.headings.privacyPolicy,
      paragraphs: [],
      link: { text: l.headings.privacyPolicy, href: facts.privacyPolicyUrl },
    });
  }
  return {
    language,
    title: l.title,
    intro: l.intro,
    summary: `${l.page.summary}: ${facts.meetingTypeName}. ${recorded ? l.recording[recordingKey] : l.recording.none}`,
    recordingPolicy: facts.recordingPolicy,
    legalBasis: facts.legalBasis,
    media: facts.media,
    ...(facts.silentSupervision ? { supervision: true as const } : {}),
    sections,
  };
}

/** JSON with keys sorted at every level, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashNotice(content: NoticeContent): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
