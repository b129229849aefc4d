import { pgErrorCode } from '../db/errors.js';
import { ValidationError } from '../errors.js';

/**
 * PostgreSQL errors that only a value sent by the client can cause, such as a NUL character in a
 * name: the request's transaction rolled back, and the sender can correct the value.
 */
const REFUSED: Record<string, string> = {
  '22021': 'A text contains a character that cannot be stored (such as a NUL character).',
  '22P05': 'A text contains a character that cannot be stored.',
  '22008': 'A date or time is out of range.',
};

/** The client's error behind a database refusal of one of its values; undefined for any other error. */
export function refusedValue(error: unknown): ValidationError | undefined {
  const reason = REFUSED[pgErrorCode(error) ?? ''];
  return reason === undefined ? undefined : new ValidationError('INVALID_VALUE', `${reason} Nothing was changed.`);
}
