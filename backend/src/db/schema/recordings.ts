import { bigint, index, integer, pgEnum, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { calls } from './calls.js';
import { cases } from './cases.js';
import { bytea, id, tenantScoped, timestamps } from './columns.js';
import { customers } from './customers.js';
import { callMedia } from './meeting-types.js';
import { subjectKeys } from './subject-keys.js';

/**
 * Where a recording is in its pipeline; each stage names the last step that finished, so a
 * restarted worker knows where to go on. Up to `muxing` the work is plaintext and redone from
 * the raw files after a crash; from `encrypting` on only ciphertext exists outside the raw folder.
 */
export const recordingStage = pgEnum('recording_stage', [
  /** The call is running, or ended and the job has not started. */
  'pending',
  'converting',
  'muxing',
  'encrypting',
  /** Ciphertext written and decrypted back to the same digest. */
  'verified',
  /** In the blob store, size checked. */
  'stored',
  /** Raw media removed: finished. */
  'done',
  /** Gave up (no usable media); the raw folder is kept for an operator. */
  'failed',
  /** Retention ended: the key is destroyed (crypto-shredded) and the blob removed. */
  'deleted',
]);

export const recordings = pgTable(
  'recordings',
  {
    ...id,
    ...tenantScoped,
    callId: uuid()
      .notNull()
      .unique()
      .references(() => calls.id, { onDelete: 'cascade' }),
    caseId: uuid()
      .notNull()
      .references(() => cases.id, { onDelete: 'cascade' }),
    customerId: uuid()
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    stage: recordingStage().notNull().default('pending'),
    /** Raw .mjr folder written by the media server. */
    rawDir: text().notNull(),
    /** Named storage location (the meeting type's), fixed when recording starts. */
    storageLocation: text().notNull(),
    /**
     * What is kept (the meeting type's media, fixed when recording starts): what the customer was
     * told, however the meeting type is edited later.
     */
    media: callMedia().notNull(),
    objectKey: text(),
    /** Names the recording key in the encrypted file's header. */
    keyId: text().notNull(),
    /** The recording key, wrapped by the subject key; destroying it erases the recording. */
    wrappedKey: bytea(),
    subjectKeyId: uuid().references(() => subjectKeys.id),
    sizeBytes: bigint({ mode: 'number' }),
    /** SHA-256 of the composed media, from encryption, checked again by decrypting. */
    mediaSha256: text(),
    durationSeconds: real(),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** A worker holds the job until then; `leaseOwner` is host:pid:nonce, so a dead local owner is seen at once. */
    leaseOwner: text(),
    leaseExpiresAt: timestamp({ withTimezone: true }),
    lastError: text(),
    storedAt: timestamp({ withTimezone: true }),
    /** When the key was destroyed, and why (e.g. "retention"). */
    deletedAt: timestamp({ withTimezone: true }),
    deletionReason: text(),
    /** When the stored blob was confirmed gone; null while its removal is still to be retried. */
    blobDeletedAt: timestamp({ withTimezone: true }),
    ...timestamps,
  },
  (t) => [index('recordings_customer_idx').on(t.tenantId, t.customerId), index('recordings_stage_due_idx').on(t.stage, t.nextAttemptAt)],
);
