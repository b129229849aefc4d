import type { Db } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import { authorizeAccount, decide } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { AgentPrincipal, Principal } from '../principal.js';
import { collectProcessingFacts, type ProcessingFacts } from './collect-processing-facts.js';
import { composeDpia } from './compose-dpia.js';
import { composeRecord } from './compose-record.js';
import { configurationVersion, shortVersion } from './configuration-version.js';
import type { DeploymentFacts } from './describe-deployment.js';
import type { ComposedDocument, DocumentKind, DocumentStamp } from './document.js';
import { renderPdf } from './render-pdf.js';
import { renderRecordsHtml } from './render-records-html.js';

/** What the server tells the records service about itself; built from the config at start. */
export interface RecordsSettings {
  chromiumPath: string;
  deployment: DeploymentFacts;
}

export const documentFormats = ['html', 'pdf', 'json'] as const;
export type DocumentFormat = (typeof documentFormats)[number];

export interface RecordsDeps {
  db: Db;
  logger: Logger;
  /** Absent: the documents say the deployment is not described, and PDFs use /usr/bin/chromium. */
  records?: RecordsSettings;
}

export type GeneratedDocument = { stamp: DocumentStamp; filename: string } & (
  | { format: 'html'; html: string }
  | { format: 'pdf'; pdf: Buffer }
  | { format: 'json'; json: ComposedDocument & { configurationVersion: string; generatedAt: string; facts: ProcessingFacts } }
);

const defaultChromiumPath = '/usr/bin/chromium';

/**
 * Admins read what their configuration amounts to ('configure'); DPOs read it as accountability
 * evidence alongside the audit trail ('read_audit'). Either action suffices; a refusal is audited
 * like a refused audit read.
 */
async function authorizeRecordsRead(db: Db, principal: Principal, kind: DocumentKind): Promise<AgentPrincipal> {
  const account = { tenantId: principal.tenantId };
  if (decide(principal, 'configure', account).allowed) return principal as AgentPrincipal;
  const decision = decide(principal, 'read_audit', account);
  if (!decision.allowed && principal.kind === 'agent') {
    await recordAudit(db, {
      tenantId: principal.tenantId,
      actor: principal,
      action: 'access.denied',
      subjectType: 'records',
      subjectId: principal.tenantId,
      details: { attempted: 'records.generate', kind, reason: decision.reason },
    });
  }
  return authorizeAccount(principal, 'read_audit');
}

/**
 * The record of processing activities (Art. 30) or the DPIA summary (Art. 35) of the caller's
 * account, from its configuration as it is now, stamped with the configuration version. The
 * generation is audited once the document exists, with the version it was generated from.
 */
export async function generateRecordsDocument(
  deps: RecordsDeps,
  principal: Principal,
  request: { kind: DocumentKind; format: DocumentFormat },
  now: Date = new Date(),
): Promise<GeneratedDocument> {
  const reader = await authorizeRecordsRead(deps.db, principal, request.kind);
  const facts = await collectProcessingFacts(deps.db, reader.tenantId, deps.records?.deployment ?? null);
  const stamp: DocumentStamp = { configurationVersion: configurationVersion(facts), generatedAt: now };
  const document = request.kind === 'dpia' ? composeDpia(facts) : composeRecord(facts);
  const filename = `${request.kind}-${shortVersion(stamp.configurationVersion)}.${request.format}`;

  let generated: GeneratedDocument;
  switch (request.format) {
    case 'html':
      generated = { format: 'html', html: renderRecordsHtml(document, stamp), stamp, filename };
      break;
    case 'pdf': {
      const pdf = await renderPdf(renderRecordsHtml(document, stamp), {
        chromiumPath: deps.records?.chromiumPath ?? defaultChromiumPath,
        footerLabel: `${document.title} · configuration ${shortVersion(stamp.configurationVersion)} · ${now.toISOString().slice(0, 10)}`,
        logger: deps.logger,
      });
      generated = { format: 'pdf', pdf, stamp, filename };
      break;
    }
    case 'json':
      generated = {
        format: 'json',
        json: { ...document, configurationVersion: stamp.configurationVersion, generatedAt: now.toISOString(), facts },
        stamp,
        filename,
      };
      break;
    default: {
      const unknown: never = request.format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }

  await recordAudit(deps.db, {
    tenantId: reader.tenantId,
    actor: reader,
    action: 'records.generated',
    subjectType: 'tenant',
    subjectId: reader.tenantId,
    details: { kind: request.kind, format: request.format, configurationVersion: stamp.configurationVersion },
  });
  return generated;
}
