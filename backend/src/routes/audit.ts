import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import { checkAuditChain } from '../services/audit/check-chain.js';
import { exportAudit } from '../services/audit/export-audit.js';
import { auditExportFilters, auditExportFormats } from '../services/audit/export.js';
import type { ServiceDeps } from '../services/deps.js';
import { bearer, errors, json } from './schemas.js';

const verifyResultSchema = z
  .object({
    ok: z.boolean(),
    tenants: z.number().int(),
    events: z.number().int().openapi({ description: 'Chained events checked, up to the first broken link.' }),
    legacyEvents: z.number().int().openapi({ description: 'Events written before the chain existed: counted, not a break.' }),
    firstBroken: z
      .object({
        tenantId: z.uuid(),
        seq: z.number().int(),
        id: z.number().int().nullable(),
        reason: z.enum(['hash_mismatch', 'prev_hash_mismatch', 'missing_event', 'head_mismatch']),
      })
      .optional(),
  })
  .openapi('AuditVerification');

const verifyRoute = createRoute({
  method: 'get',
  path: '/api/admin/audit/verify',
  summary: "Recompute every link of this account's audit chain and name the first broken one (read_audit)",
  security: bearer,
  // Strict: only the caller's own account is ever verified (no `tenant` parameter).
  request: { query: z.object({}).strict() },
  responses: { 200: json(verifyResultSchema, 'Verification result'), 400: errors[400], 401: errors[401], 403: errors[403] },
});

const exportQuery = auditExportFilters
  .extend({
    format: z.enum(auditExportFormats).default('jsonl'),
    personal: z.enum(['sealed', 'open']).default('sealed').openapi({ description: 'open: include sealed personal data decrypted, where the subject key still exists.' }),
  })
  .strict();

const exportRoute = createRoute({
  method: 'get',
  path: '/api/admin/audit/export',
  summary: "This account's audit events as JSON Lines or CSV, filtered; the export itself is audited (read_audit)",
  security: bearer,
  request: { query: exportQuery },
  responses: {
    200: {
      description: 'One event per line (JSON Lines) or per row (CSV with a header)',
      content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } },
    },
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

export function auditRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('/api/admin/audit/*', authenticate(deps));
  return app
    .openapi(verifyRoute, async (c) => c.json(await checkAuditChain(deps, c.get('principal')), 200))
    .openapi(exportRoute, async (c) => {
      const { format, personal, ...filters } = c.req.valid('query');
      const chunks = await exportAudit({ db: deps.db, masterKeys: deps.recordings.masterKeys }, c.get('principal'), { format, filters, openPersonal: personal === 'open' });
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        },
        async cancel() {
          await chunks.return(undefined);
        },
      });
      const extension = format === 'csv' ? 'csv' : 'jsonl';
      return c.body(body, 200, {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        'content-disposition': `attachment; filename="audit.${extension}"`,
        'cache-control': 'no-store',
      });
    });
}
