import { ConflictError } from '../../errors.js';

export type CallState = 'created' | 'active' | 'ended' | 'failed';

/**
 * Every move a call may make. Anything not listed is refused, here and by the database (migration
 * 0024, a trigger on calls.state; tests/integration/call-state-machine-db.test.ts keeps the two equal).
 */
const allowed: Record<CallState, readonly CallState[]> = {
  created: ['active', 'ended', 'failed'],
  active: ['ended', 'failed'],
  ended: [],
  failed: [],
};

export function canTransition(from: CallState, to: CallState): boolean {
  return allowed[from].includes(to);
}

export function assertTransition(from: CallState, to: CallState): void {
  if (!canTransition(from, to)) {
    throw new ConflictError('CALL_STATE_CONFLICT', `A call that is ${from} cannot become ${to}.`);
  }
}

export function isFinished(state: CallState): boolean {
  return allowed[state].length === 0;
}
