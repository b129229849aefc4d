import { ApiError, describeError } from '../api';
import { clearError, showError } from '../dom';

/**
 * Says which step failed before the server's own words, keeping its code and reference: several
 * parts of the sidebar share one alert, and "Internal error" alone does not say whose it is.
 */
export function failedTo(action: string, error: unknown): Error {
  const { message, requestId } = describeError(error);
  const said = `Could not ${action}: ${message}`;
  return error instanceof ApiError ? new ApiError(error.status, error.code, said, requestId) : new Error(said);
}

/**
 * One part's messages in the alert the whole sidebar shares. clear() removes a message only while
 * it is the one this part showed, so it never hides another part's newer error.
 */
export class OwnAlert {
  #shown: Node | null = null;

  constructor(
    private readonly alert: HTMLElement,
    /** What the part was doing, e.g. "refresh the live calls"; it opens every message. */
    private readonly action: string,
  ) {}

  show(error: unknown): void {
    showError(this.alert, failedTo(this.action, error));
    this.#shown = this.alert.firstChild;
  }

  clear(): void {
    if (this.#shown !== null && this.#shown === this.alert.firstChild) clearError(this.alert);
    this.#shown = null;
  }
}
