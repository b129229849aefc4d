import type { meetingTypes } from '../../db/schema/index.js';

type MeetingTypeDefaults = Omit<typeof meetingTypes.$inferInsert, 'id' | 'tenantId' | 'createdAt' | 'updatedAt'>;

/**
 * What a new tenant starts with. Only "Advice call" records, because a legal duty
 * (e.g. MiFID II) requires it; everything else is off until an admin turns it on.
 */
export const defaultMeetingTypes: readonly MeetingTypeDefaults[] = [
  {
    key: 'support',
    name: 'Support call',
    recordingPolicy: 'forbidden',
    media: 'audio+video',
    legalBasis: 'legitimate_interest',
    retentionDays: 30,
    metadataRetentionDays: 365,
    consentRetentionDays: 365,
    e2ee: false,
  },
  {
    key: 'advice',
    name: 'Advice call',
    recordingPolicy: 'required',
    media: 'audio+video',
    legalBasis: 'legal_obligation',
    retentionDays: 5 * 365,
    // The record-keeping duty covers what the call was, not just its recording.
    metadataRetentionDays: 5 * 365,
    consentRetentionDays: 5 * 365,
    e2ee: false,
  },
  {
    key: 'consultation',
    name: 'Consultation',
    recordingPolicy: 'optional',
    media: 'audio+video',
    legalBasis: 'consent',
    retentionDays: 90,
    // Proof of the recording consent outlives the recording, to answer a complaint about it.
    metadataRetentionDays: 3 * 365,
    consentRetentionDays: 3 * 365,
    e2ee: false,
  },
];
