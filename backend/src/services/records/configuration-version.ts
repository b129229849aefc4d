import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ProcessingFacts } from './collect-processing-facts.js';

/**
 * SHA-256 (hex) over the RFC 8785 canonical JSON of the facts a document was generated from. Key
 * order and number formatting cannot change it; any change to a fact does. Documents with the same
 * version describe the same configuration, whenever they were generated.
 */
export function configurationVersion(facts: ProcessingFacts): string {
  const canonical = canonicalize(facts);
  if (canonical === undefined) throw new TypeError('processing facts have no JSON form');
  return createHash('sha256').update(canonical).digest('hex');
}

/** The first 12 hex digits: what a reader compares at a glance and what file names carry. */
export function shortVersion(version: string): string {
  return version.slice(0, 12);
}
