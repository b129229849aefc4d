import { classifyRegion } from './classify-region.js';
import type { ProcessingFacts } from './collect-processing-facts.js';
import { storageInUse } from './list-recipients.js';

export interface Transfer {
  what: string;
  where: string;
  /** The safeguard Parley can name, or null when the controller must supply one. */
  safeguard: string | null;
}

export interface TransferFindings {
  transfers: Transfer[];
  /** Regions the account allows although they are not in the EU: nothing goes there yet, but it could. */
  allowedOutsideEu: string[];
  /** Storage regions in use that are in the EU. */
  euRegions: string[];
}

/**
 * Transfers to third countries (Art. 30(1)(e), Chapter V) that Parley can see: the regions of the
 * storage locations recordings are written to. Where the media servers, the key service and the
 * audit collector run is the operator's knowledge, not the configuration's; the documents say so.
 */
export function findTransfers(facts: ProcessingFacts): TransferFindings {
  const transfers: Transfer[] = [];
  const euRegions = new Set<string>();
  for (const use of storageInUse(facts)) {
    const location = facts.deployment?.storage.find((s) => s.name === use.name);
    if (!location) continue;
    const region = classifyRegion(location.region);
    if (region.eu) {
      euRegions.add(location.region);
      continue;
    }
    transfers.push({
      what: `Encrypted recordings of ${use.types.join(', ')} (storage location "${use.name}")`,
      where: region.place,
      safeguard: region.adequacy ?? null,
    });
  }
  const allowedOutsideEu = facts.controller.allowedRegions.filter((r) => !classifyRegion(r).eu);
  return { transfers, allowedOutsideEu, euRegions: [...euRegions].sort() };
}
