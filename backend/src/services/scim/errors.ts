import { DomainError } from '../../errors.js';

/** RFC 7644 §3.12 `scimType` values Parley answers with. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** A refusal the SCIM client should see with its `scimType`; the SCIM routes render it in the SCIM error schema. */
export class ScimError extends DomainError {
  override readonly name = 'ScimError';
  constructor(
    readonly status: 400 | 404 | 409,
    readonly scimType: ScimType | null,
    message: string,
  ) {
    super(scimType ?? `SCIM_${status}`, message);
  }
}

export const userNotFound = () => new ScimError(404, null, 'No such user.');
export const groupNotFound = () => new ScimError(404, null, 'No such group.');

/** The PostgreSQL error code behind a failed query (drizzle wraps driver errors in `cause`). */
export function pgErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
