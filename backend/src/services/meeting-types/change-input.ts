import { z } from 'zod';

export const recordingPolicies = ['required', 'optional', 'forbidden'] as const;
export const mediaKinds = ['audio', 'audio+video'] as const;
export const legalBases = ['consent', 'legal_obligation', 'legitimate_interest'] as const;

/** The settings of a meeting type an admin chooses; the API's meeting type extends them. */
export const meetingTypeSettings = z.object({
  name: z.string().trim().min(1).max(100),
  recordingPolicy: z.enum(recordingPolicies),
  media: z.enum(mediaKinds),
  legalBasis: z.enum(legalBases),
  /** End-to-end encrypted media (insertable streams): the server cannot record it. */
  e2ee: z.boolean(),
  /** The customer waits in a lobby until the agent lets them in. */
  lobby: z.boolean(),
  /** A supervisor may listen without taking part; the notice then says so. */
  silentSupervision: z.boolean(),
});

/**
 * What an admin may change about a meeting type from the console. Strict: a field this schema
 * does not know (e.g. one a newer console sends) is refused rather than silently dropped, so an
 * admin never believes a setting was saved when it was not.
 */
export const meetingTypeChange = meetingTypeSettings.partial().strict();
export type MeetingTypeChange = z.infer<typeof meetingTypeChange>;

/** The fields the rules below look at, as they would be after a change. */
export interface MeetingTypeConfiguration {
  recordingPolicy: (typeof recordingPolicies)[number];
  legalBasis: (typeof legalBases)[number];
  e2ee: boolean;
  silentSupervision: boolean;
}

export interface ConfigurationProblem {
  code: 'E2EE_REQUIRES_NO_RECORDING' | 'E2EE_EXCLUDES_SUPERVISION' | 'OPTIONAL_RECORDING_NEEDS_CONSENT' | 'REQUIRED_RECORDING_NEEDS_LEGAL_GROUND';
  message: string;
  /** The fields that disagree, so a form can mark them. */
  fields: (keyof MeetingTypeConfiguration)[];
}

/**
 * Combinations that cannot be lawful or cannot work. The first mirrors the database's own check
 * (`meeting_types_e2ee_unrecorded`, migration 0006), stated here so the admin gets words instead
 * of a constraint name. The legal-basis rules follow what the consent page does with each basis
 * (`asksForRecordingConsent`): only consent lets a customer refuse the recording and still be
 * served, and a recording the customer cannot refuse needs a ground other than consent (GDPR
 * Art. 6(1)(c) or (f); consent that is a condition of the service is not freely given, Art. 7(4)).
 */
export function configurationProblems(config: MeetingTypeConfiguration): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  if (config.e2ee && config.recordingPolicy !== 'forbidden') {
    problems.push({
      code: 'E2EE_REQUIRES_NO_RECORDING',
      message: 'End-to-end encrypted calls cannot be recorded by the server: set recording to "forbidden" or turn end-to-end encryption off.',
      fields: ['e2ee', 'recordingPolicy'],
    });
  }
  if (config.e2ee && config.silentSupervision) {
    problems.push({
      code: 'E2EE_EXCLUDES_SUPERVISION',
      message: 'A supervisor cannot listen to an end-to-end encrypted call: only the two participants hold its keys. Turn one of them off.',
      fields: ['e2ee', 'silentSupervision'],
    });
  }
  if (config.recordingPolicy === 'optional' && config.legalBasis !== 'consent') {
    problems.push({
      code: 'OPTIONAL_RECORDING_NEEDS_CONSENT',
      message: 'Optional recording is asked for on the consent page, so its legal basis must be "consent".',
      fields: ['recordingPolicy', 'legalBasis'],
    });
  }
  if (config.recordingPolicy === 'required' && config.legalBasis === 'consent') {
    problems.push({
      code: 'REQUIRED_RECORDING_NEEDS_LEGAL_GROUND',
      message: 'A recording the customer cannot refuse cannot rest on consent: choose "legal_obligation" or "legitimate_interest", or make recording optional.',
      fields: ['recordingPolicy', 'legalBasis'],
    });
  }
  return problems;
}
