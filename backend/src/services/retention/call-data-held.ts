import { sql, type SQL } from 'drizzle-orm';
import { calls, legalHolds, recordings } from '../../db/schema/index.js';

/** True when no legal hold covers the call's case, customer or recording: a condition for queries over calls. */
export function callNotHeld(): SQL {
  return sql`not exists (
    select 1 from ${legalHolds}
    where ${legalHolds.tenantId} = ${calls.tenantId}
      and ${legalHolds.releasedAt} is null
      and ((${legalHolds.targetType} = 'case' and ${legalHolds.targetId} = ${calls.caseId})
        or (${legalHolds.targetType} = 'customer' and ${legalHolds.targetId} = ${calls.customerId})
        or (${legalHolds.targetType} = 'recording' and ${legalHolds.targetId} in (select ${recordings.id} from ${recordings} where ${recordings.callId} = ${calls.id}))))`;
}
