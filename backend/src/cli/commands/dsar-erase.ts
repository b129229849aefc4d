import { Command } from 'commander';
import { cliConfig, EXIT, requestIdArgument, withDatabase, type DatabaseOptions } from '../context.js';

/** `parley dsar erase <requestId>`: works an erasure request now and prints what was done and refused. */
export function dsarEraseCommand(): Command {
  return new Command('erase')
    .description('run an erasure request now')
    .argument('<requestId>', 'the erasure request (its id)', requestIdArgument)
    .option('--database-url <url>', 'PostgreSQL URL instead of DATABASE_URL')
    .action(async (requestId: string, options: DatabaseOptions) => {
      const config = cliConfig(options);
      // The request worker and what it talks to load only when a request is run, not for every command.
      const [{ dsarWorkerDeps, progressReporter }, { runDsarRequestNow }] = await Promise.all([import('./dsar-deps.js'), import('../../services/dsar/export/run-now.js')]);
      await withDatabase(config, async (database) => {
        const reporter = await progressReporter('erasure');
        const run = await runDsarRequestNow(dsarWorkerDeps(config, database), requestId, 'erasure', (done, total) => reporter.update(done, total)).finally(() =>
          reporter.stop(),
        );
        process.stdout.write(`${JSON.stringify({ outcome: run.outcome, state: run.request.state, result: run.request.outcome, lastError: run.request.lastError })}\n`);
        if (run.outcome === 'waiting' || run.outcome === 'skipped') process.exitCode = EXIT.failed;
      });
    });
}
