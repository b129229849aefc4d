/**
 * Whether a storage region is one the tenant allows. An allowed entry names a region exactly
 * ("eu-central-1") or a family by prefix ("eu" allows "eu", "eu-central-1", "eu-west-3").
 */
export function regionAllowed(region: string, allowed: readonly string[]): boolean {
  const wanted = region.toLowerCase();
  return allowed.some((entry) => {
    const family = entry.toLowerCase();
    return wanted === family || wanted.startsWith(`${family}-`);
  });
}
