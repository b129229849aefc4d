import { describeError } from './api';

/** Looks up an element the page's HTML is required to contain. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing from the page`);
  return element;
}

/**
 * Fills a role="alert" element. Text is set, never HTML: messages can echo
 * server or user input.
 */
export function showError(alert: HTMLElement, error: unknown): void {
  showAlert(alert, describeError(error));
}

export interface AlertText {
  message: string;
  code?: string | null;
  requestId?: string | null;
}

/** The same for words a page chose itself, e.g. in the reader's language; `reference` words the request id line. */
export function showAlert(
  alert: HTMLElement,
  { message, code = null, requestId = null }: AlertText,
  reference: (requestId: string) => string = (id) => `Reference ${id}`,
): void {
  alert.replaceChildren();
  const text = document.createElement('span');
  text.className = 'alert-message';
  text.textContent = message;
  alert.append(text);
  if (code) {
    const codeEl = document.createElement('code');
    codeEl.className = 'alert-code';
    codeEl.textContent = code;
    alert.append(' ', codeEl);
  }
  if (requestId) {
    const ref = document.createElement('span');
    ref.className = 'alert-ref';
    ref.textContent = reference(requestId);
    alert.append(ref);
  }
  alert.hidden = false;
}

export function clearError(alert: HTMLElement): void {
  alert.replaceChildren();
  alert.hidden = true;
}
