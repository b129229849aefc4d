import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { issueExportLink } from '../services/dsar/export/issue-link.js';
import { openExportDownload } from '../services/dsar/export/open-download.js';
import { bearer, errors, idParam, json, BUNDLE_DOWNLOAD_HEADERS, downloadTokenParam } from './schemas.js';

const exportLinkSchema = z
  .object({
    exportId: z.uuid(),
    downloadUrl: z.url(),
    expiresAt: z.string(),
    sizeBytes: z.number().int(),
    passphrase: z.string().nullable().openapi({ description: 'age passphrase of the bundle: returned on the first link only, null afterwards' }),
  })
  .openapi('DsarExportLink');

const linkRoute = createRoute({
  method: 'post',
  path: '/api/dsar/{id}/export/link',
  summary: "A time-limited download link for an access request's encrypted bundle; the first call also returns its passphrase, once (audited)",
  security: bearer,
  request: { params: idParam },
  responses: {
    201: json(exportLinkSchema, 'Download link (an earlier link of this request stops working)'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
    410: errors[410],
  },
});

const downloadRoute = createRoute({
  method: 'get',
  path: '/dsar/bundles/{token}',
  summary: 'Download an export bundle (age-encrypted zip) until its link expires; every download is audited',
  request: { params: downloadTokenParam },
  responses: {
    200: { description: 'The encrypted bundle', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    400: errors[400],
    404: errors[404],
    410: errors[410],
  },
});

export function dsarExportRoutes(deps: ServiceDeps & { dsarExportTtlSeconds?: number }) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/dsar/*', authenticate(deps));
  return app
    .openapi(linkRoute, async (c) => {
      const link = await issueExportLink(
        { db: deps.db, masterKeys: deps.recordings.masterKeys, stores: deps.recordings.stores, publicBaseUrl: deps.publicBaseUrl, exportTtlSeconds: deps.dsarExportTtlSeconds },
        { principal: c.get('principal') },
        c.req.valid('param').id,
      );
      c.header('cache-control', 'no-store');
      return c.json(link, 201);
    })
    .openapi(downloadRoute, async (c) => {
      const download = await openExportDownload({ db: deps.db, stores: deps.recordings.stores }, c.req.valid('param').token);
      const headers = {
        ...BUNDLE_DOWNLOAD_HEADERS,
        'content-length': String(download.sizeBytes),
        'content-disposition': `attachment; filename="${download.filename}"`,
      };
      const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
      if (outgoing) {
        outgoing.writeHead(200, { ...headers, 'x-request-id': c.get('requestId') });
        pipeline(download.body, outgoing).catch(() => download.body.destroy());
        return RESPONSE_ALREADY_SENT as never;
      }
      return c.body(Readable.toWeb(download.body) as ReadableStream, 200, headers);
    });
}
