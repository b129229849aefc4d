import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { exportedFilters } from '../../services/audit/export-audit.js';
import { auditExportFilters, auditExportFormats, streamAuditEvents, type AuditExportFormat } from '../../services/audit/export.js';
import { recordAudit } from '../../services/audit/record.js';
import { CliUsageError, cliConfig, tenantIdOption, withDatabase, type DatabaseOptions } from '../context.js';

interface Options extends DatabaseOptions {
  tenant: string;
  format: AuditExportFormat;
  out?: string;
  from?: string;
  to?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  actorId?: string;
  openPersonal?: boolean;
}

/** `parley audit export`: one tenant's events as JSON Lines or CSV, to a file or stdout; audited as `audit.exported`. */
export function auditExportCommand(): Command {
  return new Command('export')
    .description("write one tenant's audit events as JSON Lines or CSV")
    .requiredOption('--tenant <id>', 'the tenant (its id)')
    .addOption(new Option('--format <format>', 'output format').choices(auditExportFormats).default('jsonl'))
    .option('--out <file>', 'write here instead of stdout')
    .option('--from <time>', 'events at or after this ISO 8601 time')
    .option('--to <time>', 'events before this ISO 8601 time')
    .option('--action <action>', 'only this action, e.g. recording.played')
    .option('--subject-type <type>', 'only this subject type')
    .option('--subject-id <id>', 'only this subject')
    .option('--actor-id <id>', 'only this actor')
    .option('--open-personal', 'decrypt sealed personal data where the subject key still exists')
    .option('--database-url <url>', 'PostgreSQL URL instead of DATABASE_URL')
    .action(async (options: Options) => {
      const config = cliConfig(options);
      const tenantId = tenantIdOption(options.tenant);
      const parsed = auditExportFilters.safeParse({
        from: options.from,
        to: options.to,
        action: options.action,
        subjectType: options.subjectType,
        subjectId: options.subjectId,
        actorId: options.actorId,
      });
      if (!parsed.success) throw new CliUsageError(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
      const filters = parsed.data;
      const openPersonal = options.openPersonal === true;
      await withDatabase(config, async (database) => {
        await recordAudit(database.db, {
          tenantId,
          actor: { kind: 'system' },
          action: 'audit.exported',
          subjectType: 'audit_trail',
          subjectId: tenantId,
          details: { format: options.format, personalOpened: openPersonal, via: 'cli', ...exportedFilters(filters) },
        });
        // The key stores (and their cloud clients) load only when personal data is to be opened.
        const masterKeys = openPersonal ? (await import('../../recording-stores.js')).openRecordingStores(config).masterKeys : undefined;
        const chunks = Readable.from(streamAuditEvents(database.db, masterKeys, tenantId, { format: options.format, filters, openPersonal }));
        if (options.out) await pipeline(chunks, createWriteStream(options.out, { mode: 0o600 }));
        else await pipeline(chunks, process.stdout, { end: false });
      });
    });
}
