import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Command } from 'commander';
import { cliConfig, EXIT, requestIdArgument, withDatabase, type DatabaseOptions } from '../context.js';

interface Options extends DatabaseOptions {
  out?: string;
}

/**
 * `parley dsar export <requestId>`: answers an access request now. The encrypted bundle goes to
 * --out (or stays in the store, its download link printed); the passphrase is written to stderr,
 * once: it is not kept anywhere afterwards.
 */
export function dsarExportCommand(): Command {
  return new Command('export')
    .description('run an access request now and deliver its encrypted bundle')
    .argument('<requestId>', 'the access request (its id)', requestIdArgument)
    .option('--out <file>', 'write the encrypted bundle (.zip.age) here')
    .option('--database-url <url>', 'PostgreSQL URL instead of DATABASE_URL')
    .action(async (requestId: string, options: Options) => {
      const config = cliConfig(options);
      // The request worker and what it talks to load only when a request is run, not for every command.
      const [{ dsarWorkerDeps, progressReporter }, { runDsarRequestNow }, { issueExportLink }, { openExportForOperator }] = await Promise.all([
        import('./dsar-deps.js'),
        import('../../services/dsar/export/run-now.js'),
        import('../../services/dsar/export/issue-link.js'),
        import('../../services/dsar/export/open-download.js'),
      ]);
      await withDatabase(config, async (database) => {
        const deps = dsarWorkerDeps(config, database);
        const reporter = await progressReporter('recordings');
        const run = await runDsarRequestNow(deps, requestId, 'access', (done, total) => reporter.update(done, total)).finally(() => reporter.stop());
        if (run.outcome !== 'completed') {
          const why = run.request.lastError ? `: ${run.request.lastError}` : '';
          process.stderr.write(`parley: access request not completed (${run.outcome}, state ${run.request.state})${why}\n`);
          process.exitCode = EXIT.failed;
          return;
        }
        if (run.request.outcome?.dataHeld === false || run.request.outcome?.noDataHeld === true) {
          process.stdout.write('no data is held about this subject; nothing to export\n');
          return;
        }
        const link = await issueExportLink(deps, { operator: true, tenantId: run.request.tenantId }, requestId);
        if (options.out) {
          const download = await openExportForOperator(deps, run.request.tenantId, link.exportId);
          await pipeline(download.body, createWriteStream(options.out, { mode: 0o600 }));
          process.stdout.write(`encrypted bundle written to ${options.out} (${link.sizeBytes} bytes)\n`);
        } else {
          process.stdout.write(`encrypted bundle stored; download until ${link.expiresAt}: ${link.downloadUrl}\n`);
        }
        process.stderr.write(
          link.passphrase
            ? `passphrase (shown once, not stored; decrypt with age -d): ${link.passphrase}\n`
            : 'the passphrase of this bundle was handed out before and is not kept\n',
        );
      });
    });
}
