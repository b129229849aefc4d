import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, type CallState } from '../../backend/src/services/calls/state-machine.js';

const states: CallState[] = ['created', 'active', 'ended', 'failed'];

describe('call state machine', () => {
  it('allows exactly the documented moves', () => {
    const allowed = states.flatMap((from) => states.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed).toEqual(['created→active', 'created→ended', 'created→failed', 'active→ended', 'active→failed']);
  });

  it('never leaves a finished call', () => {
    expect(() => assertTransition('ended', 'active')).toThrow(/cannot become active/);
    expect(() => assertTransition('failed', 'ended')).toThrow(/cannot become ended/);
  });
});
