import { sql } from 'drizzle-orm';
import { boolean, check, integer, pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, tenantScoped, timestamps } from './columns.js';

export const recordingPolicy = pgEnum('recording_policy', ['required', 'optional', 'forbidden']);
export const callMedia = pgEnum('call_media', ['audio', 'audio+video']);
export const legalBasis = pgEnum('legal_basis', ['consent', 'legal_obligation', 'legitimate_interest']);

export const meetingTypes = pgTable(
  'meeting_types',
  {
    ...id,
    ...tenantScoped,
    key: text().notNull(),
    name: text().notNull(),
    recordingPolicy: recordingPolicy().notNull(),
    media: callMedia().notNull(),
    legalBasis: legalBasis().notNull(),
    /** Days a recording is kept after it is stored. */
    retentionDays: integer().notNull(),
    /** Days the call's metadata (times, participants, end reason) is kept after the call ends. */
    metadataRetentionDays: integer().notNull().default(365),
    /** Days consent records are kept after the call, as proof that consent was given (Art. 7(1)); at most as long as the call's metadata. */
    consentRetentionDays: integer().notNull().default(365),
    e2ee: boolean().notNull().default(false),
    /** The customer waits in a lobby until the agent lets them in. */
    lobby: boolean().notNull().default(false),
    /** A supervisor may listen to calls of this type without taking part; the notice says so. */
    silentSupervision: boolean().notNull().default(false),
    /** Named storage location for this type's recordings (STORAGE_LOCATIONS); its region must be one the tenant allows. */
    storageLocation: text().notNull().default('local'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('meeting_types_tenant_key_uq').on(t.tenantId, t.key),
    // End-to-end encrypted media cannot be recorded by the server: the database refuses the combination.
    check('meeting_types_e2ee_unrecorded', sql`NOT (${t.e2ee} AND ${t.recordingPolicy} <> 'forbidden')`),
    // A supervisor's browser holds no end-to-end key: it could not hear the call.
    check('meeting_types_e2ee_unsupervised', sql`NOT (${t.e2ee} AND ${t.silentSupervision})`),
  ],
);
