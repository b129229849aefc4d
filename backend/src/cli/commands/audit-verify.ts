import { Command } from 'commander';
import { verifyAuditChain } from '../../services/audit/verify.js';
import { cliConfig, EXIT, tenantIdOption, withDatabase, type DatabaseOptions } from '../context.js';

interface Options extends DatabaseOptions {
  tenant?: string;
  json?: boolean;
}

/** `parley audit verify`: exit 0 when every chain holds, 1 naming the first broken link. */
export function auditVerifyCommand(): Command {
  return new Command('verify')
    .description('recompute every link of the audit chain (one tenant or all) and name the first broken one')
    .option('--tenant <id>', 'only this tenant (its id)')
    .option('--database-url <url>', 'PostgreSQL URL instead of DATABASE_URL')
    .option('--json', 'print the result as JSON')
    .action(async (options: Options) => {
      const config = cliConfig(options);
      const tenantId = options.tenant === undefined ? undefined : tenantIdOption(options.tenant);
      const result = await withDatabase(config, (database) => verifyAuditChain(database.db, { tenantId }));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } else if (result.ok) {
        process.stdout.write(`audit chain intact: ${result.events} events in ${result.tenants} tenant(s), ${result.legacyEvents} from before the chain\n`);
      } else {
        const b = result.firstBroken!;
        process.stdout.write(`audit chain BROKEN: tenant ${b.tenantId}, seq ${b.seq}, event id ${b.id ?? '-'}: ${b.reason} (${result.events} events verified before it)\n`);
      }
      process.exitCode = result.ok ? EXIT.ok : EXIT.broken;
    });
}
