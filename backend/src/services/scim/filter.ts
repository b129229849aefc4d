import { parse, type Filter } from 'scim2-parse-filter';
import { ScimError } from './errors.js';

/** One `attr eq "value"` comparison: the only filter shape identity providers send for provisioning. */
export interface EqualityFilter<A extends string> {
  attribute: A;
  value: string;
}

const corePrefix = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/i;

/**
 * Parses a SCIM filter (RFC 7644 §3.4.2.2) and accepts only `eq` on one of `attributes`
 * (matched case-insensitively, as attribute names are). Anything else — other operators,
 * `and`/`or`, other attributes — is refused with `invalidFilter` rather than answered wrongly.
 */
export function parseEqualityFilter<A extends string>(filter: string | undefined, attributes: readonly A[]): EqualityFilter<A> | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  let ast: Filter;
  try {
    ast = parse(filter);
  } catch {
    throw new ScimError(400, 'invalidFilter', 'The filter is not valid SCIM filter syntax.');
  }
  if (ast.op !== 'eq') {
    throw new ScimError(400, 'invalidFilter', `Only "eq" filters on ${attributes.join(', ')} are supported.`);
  }
  const name = ast.attrPath.replace(corePrefix, '').toLowerCase();
  const attribute = attributes.find((a) => a.toLowerCase() === name);
  if (!attribute) throw new ScimError(400, 'invalidFilter', `Filtering is supported on ${attributes.join(', ')} only.`);
  if (typeof ast.compValue !== 'string') throw new ScimError(400, 'invalidFilter', `Compare ${attribute} with a quoted string.`);
  return { attribute, value: ast.compValue };
}
