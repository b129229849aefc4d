import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import type { DocumentKind } from '../services/records/document.js';
import { documentFormats, generateRecordsDocument, type GeneratedDocument } from '../services/records/generate-document.js';
import { bearer, errors } from './schemas.js';

const query = z
  .object({ format: z.enum(documentFormats).default('html').openapi({ description: 'html (printable page), pdf (A4, printed by Chromium) or json (the document and the facts it was generated from)' }) })
  .strict();

const blockSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('paragraph'), text: z.string() }),
  z.object({ kind: z.literal('warning'), text: z.string() }),
  z.object({ kind: z.literal('list'), items: z.array(z.string()) }),
  z.object({ kind: z.literal('table'), caption: z.string(), columns: z.array(z.string()), rows: z.array(z.array(z.string())).openapi({ description: 'The first cell of each row names the row.' }) }),
]);

const documentSchema = z
  .object({
    kind: z.enum(['records-of-processing', 'dpia']),
    title: z.string(),
    subject: z.string(),
    provision: z.string(),
    configurationVersion: z.string().openapi({ description: 'SHA-256 (hex) of the RFC 8785 canonical JSON of `facts`: equal versions, equal configuration.' }),
    generatedAt: z.string(),
    sections: z.array(z.object({ id: z.string(), heading: z.string(), blocks: z.array(blockSchema) })),
    facts: z.record(z.string(), z.unknown()).openapi({ description: 'The configuration facts the document was generated from.' }),
  })
  .openapi('ProcessingDocument');

const versionHeader = {
  'X-Configuration-Version': { description: 'The configuration version the document was generated from', schema: { type: 'string' as const } },
  'Content-Disposition': { description: 'File name with the short configuration version', schema: { type: 'string' as const } },
};

function documentRoute(path: string, summary: string) {
  return createRoute({
    method: 'get',
    path,
    summary,
    security: bearer,
    request: { query },
    responses: {
      200: {
        description: 'The document; generating it is audited (records.generated) with its kind, format and configuration version',
        headers: versionHeader,
        content: {
          'text/html': { schema: z.string() },
          'application/pdf': { schema: z.string().openapi({ format: 'binary' }) },
          'application/json': { schema: documentSchema },
        },
      },
      400: errors[400],
      401: errors[401],
      403: errors[403],
      503: { description: 'PDF printing unavailable (PDF_RENDERER_UNAVAILABLE): Chromium could not start', content: errors[403].content },
    },
  });
}

const recordsRoute = documentRoute(
  '/api/admin/records-of-processing',
  "The account's record of processing activities (Art. 30(1) GDPR), generated from its live configuration (configure or read_audit)",
);
const dpiaRoute = documentRoute(
  '/api/admin/dpia',
  "A summary of the account's data protection impact assessment (Art. 35 GDPR), generated from its live configuration (configure or read_audit)",
);

/** A printout names personal contacts: nobody caches it, and the HTML may load nothing at all. */
function respond(c: Context<AppEnv>, generated: GeneratedDocument) {
  const common = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-configuration-version': generated.stamp.configurationVersion,
  };
  switch (generated.format) {
    case 'html':
      return c.body(generated.html, 200, {
        ...common,
        'content-type': 'text/html; charset=utf-8',
        'content-disposition': `inline; filename="${generated.filename}"`,
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      });
    case 'pdf':
      return c.body(new Uint8Array(generated.pdf), 200, {
        ...common,
        'content-type': 'application/pdf',
        'content-disposition': `attachment; filename="${generated.filename}"`,
      });
    case 'json':
      return c.body(JSON.stringify(generated.json), 200, {
        ...common,
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': `inline; filename="${generated.filename}"`,
      });
  }
}

export function recordsRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/admin/records-of-processing', authenticate(deps));
  app.use('/api/admin/dpia', authenticate(deps));
  const serve = (kind: DocumentKind) => async (c: Context<AppEnv>, format: (typeof documentFormats)[number]) =>
    respond(c, await generateRecordsDocument(deps, c.get('principal'), { kind, format }));
  const records = serve('records-of-processing');
  const dpia = serve('dpia');
  return app
    .openapi(recordsRoute, async (c) => records(c, c.req.valid('query').format))
    .openapi(dpiaRoute, async (c) => dpia(c, c.req.valid('query').format));
}
