import { asc, gt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { tenants } from '../../db/schema/index.js';
import type { Logger } from '../../logger.js';
import { pgErrorCode } from '../../db/errors.js';
import { DomainError } from '../../errors.js';
import { publishNotices, type StoragePlaces } from './publish.js';

const PAGE = 200;

/**
 * Brings every account's notices up to date with this deployment, at start: a notice says where
 * recordings are kept, from the region of its meeting type's storage location, and that region is
 * configuration, which may have changed since the notice was published. As always, only notices
 * whose words change get a new version. An account that cannot be brought up to date (a meeting
 * type records to a location this deployment lacks) is reported and skipped; so is one another
 * instance is publishing at the same moment.
 */
export async function refreshAllNotices(deps: { db: Db; places: StoragePlaces; logger: Logger; signal?: AbortSignal }) {
  let tenantsSeen = 0;
  let published = 0;
  let failed = 0;
  let after: string | undefined;
  for (;;) {
    const page = await deps.db
      .select({ id: tenants.id })
      .from(tenants)
      .where(after ? gt(tenants.id, after) : undefined)
      .orderBy(asc(tenants.id))
      .limit(PAGE);
    for (const { id } of page) {
      if (deps.signal?.aborted) return { tenants: tenantsSeen, published, failed };
      tenantsSeen += 1;
      try {
        published += await deps.db.transaction((tx) => publishNotices(tx, id, deps.places));
      } catch (error) {
        failed += 1;
        deps.logger.warn({ tenantId: id, err: reportable(error) }, 'could not bring this account’s notices up to date');
      }
    }
    if (page.length < PAGE) return { tenants: tenantsSeen, published, failed };
    after = page.at(-1)!.id;
  }
}

/** Parley's own refusals say what to fix (a location's name); other errors only name and code, since a database error's message can quote the values it refused. */
function reportable(error: unknown) {
  if (error instanceof DomainError) return { name: error.name, code: error.code, message: error.message };
  return { name: (error as Error).name, code: pgErrorCode(error) };
}
