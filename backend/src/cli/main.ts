import { Command, CommanderError } from 'commander';
import { auditExportCommand } from './commands/audit-export.js';
import { auditVerifyCommand } from './commands/audit-verify.js';
import { dsarEraseCommand } from './commands/dsar-erase.js';
import { dsarExportCommand } from './commands/dsar-export.js';
import { CliUsageError, EXIT } from './context.js';

/** `parley <group> <command>`: operator commands over the same configuration as the server. One file per command under commands/. */
export function buildCli(): Command {
  const program = new Command('parley').description('Parley operator commands').exitOverride();
  program.addCommand(new Command('audit').description('the tamper-evident audit trail').addCommand(auditVerifyCommand()).addCommand(auditExportCommand()));
  program.addCommand(new Command('dsar').description('data-subject requests (access, erasure)').addCommand(dsarExportCommand()).addCommand(dsarEraseCommand()));
  for (const group of program.commands) {
    group.exitOverride();
    for (const command of group.commands) command.exitOverride();
  }
  return program;
}

try {
  await buildCli().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are not failures; everything else commander refused is a usage error.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof CliUsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = EXIT.usage;
  } else {
    // A database error's reason is in its cause; the query text alone says little to an operator.
    const cause = (error as Error).cause instanceof Error ? ` (${((error as Error).cause as Error).message})` : '';
    process.stderr.write(`parley: ${(error as Error).message.split('\n')[0]}${cause}\n`);
    process.exitCode = EXIT.failed;
  }
}
