import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate, requireAgent } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { listStorageLocations, setStorageLocation, storageLocationInput } from '../services/meeting-types/set-storage-location.js';
import { rotateMasterKey } from '../services/recordings/rotate-master-key.js';
import { listNoticeVersions } from '../services/notices/list-versions.js';
import { listDeadMessages } from '../services/outbox/list-dead.js';
import { retryDeadMessage } from '../services/outbox/retry-dead.js';
import { readSettings, settingsInput, updateSettings } from '../services/tenants/update-settings.js';
import { bearer, errors, idParam, json } from './schemas.js';

const settingsSchema = z
  .object({
    controllerName: z.string(),
    controllerContact: z.string().nullable(),
    dpoContact: z.string().nullable(),
    privacyPolicyUrl: z.string().nullable(),
    alternativeContact: z.string().nullable(),
    defaultLanguage: z.string(),
    storageLocation: z.string(),
    messagingPostbacks: z.boolean(),
    allowedRegions: z.array(z.string()),
  })
  .openapi('TenantSettings');

const getSettingsRoute = createRoute({
  method: 'get',
  path: '/api/admin/settings',
  summary: 'What the privacy notices say about the controller, and channel options (admins)',
  security: bearer,
  responses: { 200: json(z.object({ settings: settingsSchema }), 'Settings'), 401: errors[401], 403: errors[403] },
});

const putSettingsRoute = createRoute({
  method: 'put',
  path: '/api/admin/settings',
  summary: 'Change the settings; notices whose words change get a new version (admins)',
  security: bearer,
  request: { body: { required: true, content: { 'application/json': { schema: settingsInput.openapi('TenantSettingsChange') } } } },
  responses: {
    200: json(z.object({ settings: settingsSchema, noticeVersionsPublished: z.number().int() }), 'Saved'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    422: errors[422],
  },
});

const noticeVersionsRoute = createRoute({
  method: 'get',
  path: '/api/meeting-types/{id}/notices',
  summary: 'Every version of a meeting type’s privacy notice, per language',
  security: bearer,
  request: { params: idParam },
  responses: {
    200: json(
      z.object({
        versions: z.array(z.object({ id: z.uuid(), language: z.string(), version: z.number().int(), contentHash: z.string(), createdAt: z.string() })),
      }),
      'Versions',
    ),
    401: errors[401],
    403: errors[403],
  },
});

const deadLettersRoute = createRoute({
  method: 'get',
  path: '/api/admin/outbox/dead',
  summary: 'Notes and messages that could not be delivered (admins)',
  security: bearer,
  responses: {
    200: json(
      z.object({
        messages: z.array(z.object({ id: z.uuid(), kind: z.string(), attempts: z.number().int(), lastError: z.string().nullable(), createdAt: z.string() })),
      }),
      'Dead letters',
    ),
    401: errors[401],
    403: errors[403],
  },
});

const retryRoute = createRoute({
  method: 'post',
  path: '/api/admin/outbox/{id}/retry',
  summary: 'Queue an undelivered message again (admins)',
  security: bearer,
  request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    200: json(z.object({ id: z.uuid(), state: z.literal('pending') }), 'Queued'),
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
  },
});

const rotateKeyRoute = createRoute({
  method: 'post',
  path: '/api/admin/keys/rotate',
  summary: "Rotate the account's master key: new version, every subject key rewrapped, media untouched",
  security: bearer,
  responses: {
    200: json(z.object({ keyId: z.string(), rewrappedSubjectKeys: z.number().int() }), 'Rotated'),
    401: errors[401],
    403: errors[403],
    409: errors[409],
  },
});

const storageLocationsRoute = createRoute({
  method: 'get',
  path: '/api/admin/storage-locations',
  summary: "Where recordings can be stored here, and whether this account's regions allow each",
  security: bearer,
  responses: {
    200: json(z.object({ locations: z.array(z.object({ name: z.string(), region: z.string(), allowed: z.boolean() })) }), 'Storage locations'),
    401: errors[401],
    403: errors[403],
  },
});

const meetingTypeStorageRoute = createRoute({
  method: 'put',
  path: '/api/admin/meeting-types/{id}/storage-location',
  summary: "Choose where a meeting type's future recordings are stored",
  security: bearer,
  request: {
    params: idParam,
    body: { required: true, content: { 'application/json': { schema: storageLocationInput } } },
  },
  responses: {
    200: json(z.object({ meetingType: z.object({ id: z.uuid(), key: z.string(), storageLocation: z.string() }) }), 'Updated'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    422: errors[422],
  },
});

export function adminRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/admin/*', authenticate(deps));
  app.use('/api/meeting-types/*', authenticate(deps));
  return app
    .openapi(getSettingsRoute, async (c) => c.json({ settings: await readSettings(deps.db, c.get('principal')) }, 200))
    .openapi(putSettingsRoute, async (c) => c.json(await updateSettings(deps.db, c.get('principal'), c.req.valid('json'), deps.recordings.stores), 200))
    .openapi(noticeVersionsRoute, async (c) => {
      const versions = await listNoticeVersions(deps.db, requireAgent(c.get('principal')), c.req.valid('param').id);
      return c.json({ versions: versions.map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })) }, 200);
    })
    .openapi(deadLettersRoute, async (c) => {
      const messages = await listDeadMessages(deps.db, c.get('principal'));
      return c.json({ messages: messages.map((m) => ({ ...m, createdAt: new Date(m.createdAt).toISOString() })) }, 200);
    })
    .openapi(retryRoute, async (c) => c.json(await retryDeadMessage(deps.db, c.get('principal'), c.req.valid('param').id), 200))
    .openapi(storageLocationsRoute, async (c) =>
      c.json({ locations: await listStorageLocations({ db: deps.db, stores: deps.recordings.stores }, c.get('principal')) }, 200),
    )
    .openapi(meetingTypeStorageRoute, async (c) => {
      const meetingType = await setStorageLocation({ db: deps.db, stores: deps.recordings.stores }, c.get('principal'), c.req.valid('param').id, c.req.valid('json'));
      return c.json({ meetingType }, 200);
    })
    .openapi(rotateKeyRoute, async (c) => c.json(await rotateMasterKey({ db: deps.db, masterKeys: deps.recordings.masterKeys }, c.get('principal')), 200));
}
