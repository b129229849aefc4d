import { ApiError } from '../api';

export type HangUpOutcome = { kind: 'done' } | { kind: 'removed' } | { kind: 'failed'; error: unknown };

export interface HangUpSteps {
  /** Everything on this page: camera and microphone, the media room, polling. */
  stopLocally(): void;
  /** Ends the call for everyone, or reports that this participant left. */
  tellServer(): Promise<unknown>;
}

/**
 * The two ways out of a call, in the order that keeps the page honest.
 *
 * `end-for-everyone` (the agent): only an end the server confirmed tears anything down. A refused
 * request leaves the call running on the server, so the page stays in it and the button can be
 * pressed again.
 *
 * `leave` (the customer, a supervisor, a customer in the waiting room): leaving never waits for
 * the server, so camera and microphone stop at once; the page says they left only once the server
 * was told, and otherwise lets them tell it again.
 */
export async function hangUp(how: 'end-for-everyone' | 'leave', steps: HangUpSteps): Promise<HangUpOutcome> {
  if (how === 'end-for-everyone') {
    try {
      await steps.tellServer();
    } catch (error) {
      if (!callWasOver(error)) return { kind: 'failed', error };
    }
    steps.stopLocally();
    return { kind: 'done' };
  }
  steps.stopLocally();
  try {
    await steps.tellServer();
  } catch (error) {
    return isRemoval(error) ? { kind: 'removed' } : { kind: 'failed', error };
  }
  return { kind: 'done' };
}

/** The agent took this participant out: nothing they do on this page counts any more. */
export const isRemoval = (error: unknown): boolean => error instanceof ApiError && error.code === 'PARTICIPANT_REMOVED';

/** Ending was refused because the call had ended or failed already: as good as ended. */
function callWasOver(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'CALL_STATE_CONFLICT' || error.code === 'CALL_ENDED');
}
