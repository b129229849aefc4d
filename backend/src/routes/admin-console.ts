import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import { noticePreviewPage } from '../http/consent-page.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import { listAuditEvents } from '../services/audit/list-events.js';
import type { ServiceDeps } from '../services/deps.js';
import { mediaKinds, meetingTypeChange } from '../services/meeting-types/change-input.js';
import { updateMeetingType } from '../services/meeting-types/update.js';
import { shippedLanguages } from '../services/notices/locales/index.js';
import { previewNotice } from '../services/notices/preview.js';
import { listTenantRecordings } from '../services/recordings/list-for-tenant.js';
import { storageUsage } from '../services/recordings/storage-usage.js';
import { forecastRetention } from '../services/retention/forecast.js';
import { bearer, errors, idParam, json, meetingTypeSchema, nextCursor, pageCursor, pageLimit } from './schemas.js';

const meetingTypeRef = z.object({ id: z.uuid(), name: z.string() });

const changeBody = meetingTypeChange.openapi('MeetingTypeChange', {
  description: 'Only the fields given change. Unknown fields are refused.',
});

const updateRoute = createRoute({
  method: 'put',
  path: '/api/admin/meeting-types/{id}',
  summary: 'Change a meeting type; notices whose words change get a new version in the same transaction (configure, audited)',
  description:
    'Refused with 400 when the result is unlawful or cannot work: E2EE_REQUIRES_NO_RECORDING, OPTIONAL_RECORDING_NEEDS_CONSENT, ' +
    'REQUIRED_RECORDING_NEEDS_LEGAL_GROUND. Refused with 409 MEETING_TYPE_IN_USE when recording, media, legal basis or encryption ' +
    'would change under calls that are still open.',
  security: bearer,
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: changeBody } } } },
  responses: {
    200: json(
      z.object({ meetingType: meetingTypeSchema, noticeVersionsPublished: z.number().int().openapi({ description: 'New notice versions, over all languages.' }) }),
      'Saved (or unchanged)',
    ),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
  },
});

const previewRoute = createRoute({
  method: 'post',
  path: '/api/admin/meeting-types/{id}/preview',
  summary: 'What customers would see for a meeting type with a draft applied; nothing is saved (configure)',
  description:
    'Built by the code that builds real offers. The card and invitation carry a placeholder consent link and token; ' +
    '`problems` lists what would make saving the draft fail.',
  security: bearer,
  request: {
    params: idParam,
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ language: z.enum(shippedLanguages), draft: changeBody.optional() }).strict().openapi('NoticePreviewRequest') } },
    },
  },
  responses: {
    200: json(
      z.object({
        preview: z
          .object({
            language: z.enum(shippedLanguages),
            noticeHtml: z.string().openapi({ description: 'A complete HTML document: the notice as the consent page renders it, for an iframe srcdoc.' }),
            card: z.record(z.string(), z.unknown()).openapi({ description: 'The Adaptive Card the Teams bot would send.' }),
            summary: z.string().openapi({ description: 'The one-line summary Zendesk messaging messages and chat cards carry.' }),
            invitation: z.string().openapi({ description: 'The public Zendesk ticket reply: summary and consent link.' }),
            noticeVersion: z.object({
              current: z.number().int().nullable(),
              changes: z.boolean().openapi({ description: 'Saving the draft would publish a new version in this language.' }),
            }),
            accountRecordingOff: z.boolean().openapi({
              description: 'Recording is switched off for the account: the notice says calls are not recorded and asks nothing about it, whatever the policy.',
            }),
            problems: z.array(z.object({ code: z.string(), message: z.string(), fields: z.array(z.string()) })),
          })
          .openapi('NoticePreview'),
      }),
      'The preview',
    ),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

const recordingsRoute = createRoute({
  method: 'get',
  path: '/api/admin/recordings',
  summary: 'Recordings of the account the caller may list (client segregation applies), newest first; the read is audited',
  security: bearer,
  request: { query: z.object({ limit: pageLimit(100, 25), cursor: pageCursor, meetingTypeId: z.uuid().optional() }).strict() },
  responses: {
    200: json(
      z.object({
        recordings: z.array(
          z
            .object({
              id: z.uuid(),
              meetingType: meetingTypeRef,
              customer: z.object({ id: z.uuid(), displayName: z.string().nullable() }),
              case: z.object({ host: z.string(), externalId: z.string() }).nullable().openapi({ description: 'Null once the customer was erased.' }),
              recordedAt: z.string(),
              durationSeconds: z.number().nullable(),
              sizeBytes: z.number().nullable(),
              deleteAfter: z.string().nullable().openapi({ description: 'When retention deletes it (kept past this while legally held); null until stored.' }),
              legalHold: z.boolean(),
              status: z.enum(['processing', 'waiting_to_retry', 'available', 'failed', 'deleted']),
              media: z.enum(mediaKinds),
              storageLocation: z.string(),
            })
            .openapi('AdminRecording'),
        ),
        nextCursor,
      }),
      'One page',
    ),
    400: errors[400],
    401: errors[401],
  },
});

const auditRoute = createRoute({
  method: 'get',
  path: '/api/admin/audit',
  summary: "One page of this account's audit trail, newest first; the read is itself audited (read_audit)",
  security: bearer,
  request: { query: z.object({ limit: pageLimit(200, 50), cursor: pageCursor, action: z.string().min(1).max(100).optional() }).strict() },
  responses: {
    200: json(
      z.object({
        events: z.array(
          z
            .object({
              id: z.number().int(),
              seq: z.number().int().nullable(),
              at: z.string(),
              action: z.string(),
              actor: z.object({
                kind: z.string().openapi({ description: 'agent, system, participant:agent or participant:customer' }),
                id: z.string().nullable(),
                displayName: z.string().nullable().openapi({ description: 'Staff only; call participants are never named.' }),
              }),
              subjectType: z.string(),
              subjectId: z.string(),
              details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
              hasPersonalData: z.boolean().openapi({ description: 'The event carries sealed personal data (not shown here).' }),
            })
            .openapi('AuditEventView'),
        ),
        nextCursor,
      }),
      'One page',
    ),
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

const forecastRoute = createRoute({
  method: 'get',
  path: '/api/admin/retention/forecast',
  summary: 'Recordings the retention job will delete in each of the next twelve months, per meeting type; held ones apart (configure)',
  security: bearer,
  responses: {
    200: json(
      z.object({
        forecast: z
          .object({
            months: z.array(z.string()).openapi({ description: "'YYYY-MM' from this month (UTC) on, twelve of them, then 'later'." }),
            series: z.array(z.object({ meetingType: meetingTypeRef, counts: z.array(z.number().int()), held: z.number().int() })),
          })
          .openapi('RetentionForecast'),
      }),
      'Forecast',
    ),
    401: errors[401],
    403: errors[403],
  },
});

const storageRoute = createRoute({
  method: 'get',
  path: '/api/admin/storage/usage',
  summary: 'Bytes and recordings stored, per meeting type and storage location (configure)',
  security: bearer,
  responses: {
    200: json(
      z.object({
        usage: z
          .object({
            totalBytes: z.number().int(),
            byMeetingType: z.array(z.object({ meetingType: meetingTypeRef, location: z.string(), recordings: z.number().int(), bytes: z.number().int() })),
          })
          .openapi('StorageUsage'),
      }),
      'Usage',
    ),
    401: errors[401],
    403: errors[403],
  },
});

/** What the admin console reads and changes beyond the settings and access routes. */
export function adminConsoleRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/admin/*', authenticate(deps));
  return app
    .openapi(updateRoute, async (c) => c.json(await updateMeetingType(deps.db, c.get('principal'), c.req.valid('param').id, c.req.valid('json'), deps.recordings.stores), 200))
    .openapi(previewRoute, async (c) => {
      const preview = await previewNotice(deps, c.get('principal'), c.req.valid('param').id, c.req.valid('json'));
      const { notice, ...rest } = preview;
      return c.json({ preview: { ...rest, noticeHtml: String(await noticePreviewPage(notice)) } }, 200);
    })
    .openapi(recordingsRoute, async (c) => c.json(await listTenantRecordings(deps, c.get('principal'), c.req.valid('query')), 200))
    .openapi(auditRoute, async (c) => c.json(await listAuditEvents(deps.db, c.get('principal'), c.req.valid('query')), 200))
    .openapi(forecastRoute, async (c) => c.json({ forecast: await forecastRetention(deps.db, c.get('principal')) }, 200))
    .openapi(storageRoute, async (c) => c.json({ usage: await storageUsage(deps.db, c.get('principal')) }, 200));
}
