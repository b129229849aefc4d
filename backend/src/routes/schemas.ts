import { z } from '@hono/zod-openapi';
import { errorEnvelope } from '../http/errors.js';
import { DOWNLOAD_TOKEN_PATTERN } from '../services/dsar/export/download-token.js';
import { mediaKinds, meetingTypeSettings, recordingPolicies } from '../services/meeting-types/change-input.js';

export const callViewSchema = z
  .object({
    id: z.uuid(),
    state: z.enum(['created', 'active', 'ended', 'failed']),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    /** Why it ended, e.g. ended_by_agent, media_server_lost. */
    endReason: z.string().nullable(),
    meetingType: z.object({
      id: z.uuid(),
      key: z.string(),
      name: z.string(),
      recordingPolicy: z.enum(recordingPolicies),
      media: z.enum(mediaKinds),
    }),
    recording: z.object({
      active: z.boolean(),
      accountRecordingOff: z.boolean().openapi({ description: 'Recording is switched off for the account: nothing is recorded, whatever the meeting type says.' }),
      customerConsent: z.enum(['granted', 'declined', 'withdrawn', 'pending', 'not_needed']).openapi({
        description:
          'The customer’s latest answer about recording, where consent is the legal basis (not_needed otherwise; pending before any answer). An agent can start an optional recording only when it is granted or not needed.',
      }),
    }),
    /** Both participants are in and the media room admits nobody else. */
    locked: z.boolean(),
    participants: z.array(
      z.object({
        id: z.uuid(),
        role: z.enum(['agent', 'customer', 'supervisor']),
        /** invited: link not opened yet; waiting: in the lobby; admitted: holds media credentials; removed: taken out by the agent. */
        admission: z.enum(['invited', 'waiting', 'admitted', 'removed']),
        joinedAt: z.string().nullable(),
        leftAt: z.string().nullable(),
      }),
    ),
  })
  .openapi('Call');

/** What a browser needs to enter a call's media room; only ever sent to that participant. */
export const mediaGrantSchema = z
  .object({
    janusUrl: z.url(),
    roomId: z.number().int(),
    pin: z.string(),
    janusToken: z.string(),
    /** Empty unless STUN/TURN is configured; TURN credentials expire. */
    iceServers: z.array(z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() })),
    display: z.enum(['agent', 'customer', 'supervisor']),
  })
  .openapi('MediaGrant');

/** A meeting type as `GET /api/meeting-types` lists it and the admin console's editor answers it (`meetingTypeColumns`). */
export const meetingTypeSchema = meetingTypeSettings
  .extend({
    id: z.uuid(),
    key: z.string(),
    /** Where its recordings are stored (a configured storage location). */
    storageLocation: z.string(),
    /** Retention in days: recordings from when stored; call details and consent records from the end of the call. */
    retentionDays: z.number().int(),
    metadataRetentionDays: z.number().int(),
    consentRetentionDays: z.number().int(),
  })
  .openapi('MeetingType');

export const recordingSchema = z
  .object({
    id: z.uuid(),
    callId: z.uuid(),
    caseId: z.uuid(),
    customerId: z.uuid(),
    status: z.enum(['processing', 'waiting_to_retry', 'available', 'failed', 'deleted']),
    stage: z.enum(['pending', 'converting', 'muxing', 'encrypting', 'verified', 'stored', 'done', 'failed', 'deleted']),
    media: z.enum(['audio', 'audio+video']),
    durationSeconds: z.number().nullable(),
    sizeBytes: z.number().nullable(),
    storageLocation: z.string(),
    storedAt: z.string().nullable(),
    problem: z.string().nullable(),
    deletionReason: z
      .enum(['retention', 'erasure', 'deleted_by_user', 'failed'])
      .nullable()
      .openapi({ description: 'Why a deleted recording is gone; null unless deleted.' }),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Recording');

/** `{id}` in a path: a uuid (a call, a recording, a customer, a meeting type). */
export const idParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

/** A ticket or chat, by the host it lives in and the id the host gives it. */
export const caseParams = z.object({
  host: z.enum(['zendesk', 'teams']).openapi({ param: { name: 'host', in: 'path' } }),
  externalId: z.string().min(1).max(200).openapi({ param: { name: 'externalId', in: 'path' } }),
});

const errorContent = { 'application/json': { schema: errorEnvelope } };

/** Error responses, described once. */
export const errors = {
  400: { description: 'Invalid input', content: errorContent },
  401: { description: 'Missing or invalid session', content: errorContent },
  403: { description: 'Not allowed', content: errorContent },
  404: { description: 'Not found', content: errorContent },
  409: { description: 'Conflicts with the current state', content: errorContent },
  410: { description: 'Expired', content: errorContent },
  422: { description: 'Refused by policy', content: errorContent },
  503: { description: 'Video service unavailable (JANUS_UNAVAILABLE)', content: errorContent },
  507: { description: 'Not enough free disk to record (RECORDING_DISK_FULL)', content: errorContent },
} as const;

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export const bearer = [{ session: [] as string[] }];

/** A paged list's `limit`: at most `max` rows a page, `fallback` when left out. */
export const pageLimit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
/** A paged list's `cursor`: the `nextCursor` its previous page handed out. */
export const pageCursor = z.string().min(1).max(400).optional().openapi({ description: 'nextCursor of the previous page.' });
/** What a paged list answers besides its rows. */
export const nextCursor = z.string().nullable().openapi({ description: 'Null on the last page.' });

/** The path parameter of an encrypted bundle's download link (data-subject and account exports). */
export const downloadTokenParam = z.object({
  token: z.string().regex(DOWNLOAD_TOKEN_PATTERN, 'not a download token').openapi({ param: { name: 'token', in: 'path' } }),
});

/** A bundle is ciphertext, but its link is a secret: never cached, never leaked as a referrer. */
export const BUNDLE_DOWNLOAD_HEADERS = {
  'content-type': 'application/octet-stream',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;
