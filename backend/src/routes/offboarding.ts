import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { offboardInput, offboardTenant } from '../services/offboarding/delete-tenant.js';
import type { OffboardingDeps } from '../services/offboarding/deps.js';
import { issueTenantExportLink } from '../services/offboarding/issue-link.js';
import { openTenantExportDownload } from '../services/offboarding/open-download.js';
import { readOffboarding } from '../services/offboarding/read-status.js';
import { startTenantExport } from '../services/offboarding/start-export.js';
import { bearer, errors, idParam, json, BUNDLE_DOWNLOAD_HEADERS, downloadTokenParam } from './schemas.js';

const exportSchema = z
  .object({
    id: z.uuid(),
    state: z.enum(['running', 'ready', 'failed', 'expired']),
    progress: z.object({ done: z.number().int(), total: z.number().int() }),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    sizeBytes: z.number().int().nullable(),
    contents: z.record(z.string(), z.number()).nullable(),
    expiresAt: z.string().nullable(),
    downloadedAt: z.string().nullable(),
    error: z.string().nullable(),
  })
  .openapi('AccountExport');

const statusRoute = createRoute({
  method: 'get',
  path: '/api/admin/offboarding',
  summary: 'Offboarding: the latest account export, what still blocks deleting the account, and the name to type to confirm (admins)',
  security: bearer,
  responses: {
    200: json(
      z.object({
        offboarding: z.object({
          account: z.string().openapi({ description: 'What `confirmAccount` must be, exactly' }),
          export: exportSchema.nullable(),
          activeLegalHolds: z.number().int(),
          canDelete: z.boolean(),
          blockers: z.array(z.object({ code: z.string(), message: z.string() })),
        }),
      }),
      'Offboarding status',
    ),
    401: errors[401],
    403: errors[403],
  },
});

const startExportRoute = createRoute({
  method: 'post',
  path: '/api/admin/offboarding/export',
  summary: 'Start exporting everything the account holds into one age-encrypted zip; progress shows on GET /api/admin/offboarding (admins, audited)',
  security: bearer,
  responses: { 202: json(z.object({ export: exportSchema }), 'Started'), 401: errors[401], 403: errors[403], 409: errors[409] },
});

const linkRoute = createRoute({
  method: 'post',
  path: '/api/admin/offboarding/export/{id}/link',
  summary: 'A time-limited download link for a finished account export; the first call also returns its passphrase, once (admins, audited)',
  security: bearer,
  request: { params: idParam },
  responses: {
    201: json(
      z.object({
        exportId: z.uuid(),
        downloadUrl: z.url(),
        expiresAt: z.string(),
        sizeBytes: z.number().int(),
        passphrase: z.string().nullable().openapi({ description: 'age passphrase of the bundle: on the first link only, null afterwards' }),
      }),
      'Download link (an earlier link of this export stops working)',
    ),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
    410: errors[410],
  },
});

const deleteRoute = createRoute({
  method: 'post',
  path: '/api/admin/offboarding/delete',
  summary:
    'Delete the account for good: destroys its master key, blobs and every row, keeping only a record of the deletion. Needs a finished, downloaded export and no legal hold (admins)',
  security: bearer,
  request: { body: { required: true, content: { 'application/json': { schema: offboardInput.openapi('OffboardAccount') } } } },
  responses: {
    200: json(
      z.object({
        offboarded: z.object({
          tenantId: z.uuid(),
          account: z.string(),
          offboardedAt: z.string(),
          deleted: z.record(z.string(), z.union([z.number(), z.boolean()])),
          auditHead: z.object({ seq: z.number().int(), hash: z.string() }),
        }),
      }),
      'Deleted',
    ),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    409: errors[409],
  },
});

const downloadRoute = createRoute({
  method: 'get',
  path: '/offboarding/bundles/{token}',
  summary: 'Download an account export (age-encrypted zip) until its link expires; every download is audited',
  request: {
    params: downloadTokenParam,
  },
  responses: {
    200: { description: 'The encrypted bundle', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    400: errors[400],
    404: errors[404],
    410: errors[410],
  },
});

/** Exporting and then deleting the whole account (admins); the download link is its own credential. */
export function offboardingRoutes(deps: ServiceDeps & { dsarExportTtlSeconds?: number }) {
  const offboarding: OffboardingDeps = {
    db: deps.db,
    logger: deps.logger,
    masterKeys: deps.recordings.masterKeys,
    stores: deps.recordings.stores,
    dataDir: deps.dataDir,
    publicBaseUrl: deps.publicBaseUrl,
    exportTtlSeconds: deps.dsarExportTtlSeconds,
  };
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/admin/offboarding', authenticate(deps));
  app.use('/api/admin/offboarding/*', authenticate(deps));
  return app
    .openapi(statusRoute, async (c) => c.json({ offboarding: await readOffboarding(offboarding, c.get('principal')) }, 200))
    .openapi(startExportRoute, async (c) => {
      // The export goes on in the background; its outcome is on the export row.
      const started = await startTenantExport(offboarding, c.get('principal'));
      return c.json({ export: started.export }, 202);
    })
    .openapi(linkRoute, async (c) => {
      const link = await issueTenantExportLink(offboarding, c.get('principal'), c.req.valid('param').id);
      c.header('cache-control', 'no-store');
      return c.json(link, 201);
    })
    .openapi(deleteRoute, async (c) => c.json({ offboarded: await offboardTenant(offboarding, c.get('principal'), c.req.valid('json')) }, 200))
    .openapi(downloadRoute, async (c) => {
      const download = await openTenantExportDownload(offboarding, c.req.valid('param').token);
      const headers = { ...BUNDLE_DOWNLOAD_HEADERS, 'content-length': String(download.sizeBytes), 'content-disposition': `attachment; filename="${download.filename}"` };
      const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
      if (outgoing) {
        outgoing.writeHead(200, { ...headers, 'x-request-id': c.get('requestId') });
        pipeline(download.body, outgoing).catch(() => download.body.destroy());
        return RESPONSE_ALREADY_SENT as never;
      }
      return c.body(Readable.toWeb(download.body) as ReadableStream, 200, headers);
    });
}
