/** Where a storage region is, as far as data-protection law cares. */
export interface RegionClass {
  /** Inside the European Union (so no transfer under Chapter V GDPR). */
  eu: boolean;
  place: string;
  /** Outside the EU but covered by an adequacy decision (Art. 45 GDPR). */
  adequacy?: string;
}

/**
 * AWS regions whose name starts with "eu" but that are not in the EU: a tenant that allows the
 * "eu" family allows them, and the record must still call them transfers.
 */
const knownRegions: Record<string, RegionClass> = {
  'eu-central-1': { eu: true, place: 'Frankfurt, Germany' },
  'eu-west-1': { eu: true, place: 'Ireland' },
  'eu-west-3': { eu: true, place: 'Paris, France' },
  'eu-north-1': { eu: true, place: 'Stockholm, Sweden' },
  'eu-south-1': { eu: true, place: 'Milan, Italy' },
  'eu-south-2': { eu: true, place: 'Aragón, Spain' },
  'eu-west-2': { eu: false, place: 'London, United Kingdom', adequacy: 'adequacy decision for the United Kingdom (Art. 45 GDPR); check that it is still in force' },
  'eu-central-2': { eu: false, place: 'Zurich, Switzerland', adequacy: 'adequacy decision for Switzerland (Art. 45 GDPR)' },
};

/** The place a region is known to be in ("Frankfurt, Germany"), or null for a region named otherwise. */
export function knownPlace(region: string): string | null {
  return knownRegions[region.toLowerCase()]?.place ?? null;
}

export function classifyRegion(region: string): RegionClass {
  const name = region.toLowerCase();
  const known = knownRegions[name];
  if (known) return known;
  if (name === 'eu') return { eu: true, place: 'European Union' };
  // Parley's own naming: tenants allow regions by the "eu" prefix, so the deployment names EU places so.
  if (name.startsWith('eu-')) return { eu: true, place: `${region} (in the EU by its name; confirm with the provider)` };
  return { eu: false, place: `${region} (not recognised as an EU region)` };
}
