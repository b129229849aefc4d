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

/** For the SCIM routes' error log, which may not reach into the database layer. */
export { pgErrorCode } from '../../db/errors.js';
