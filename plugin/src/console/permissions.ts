/** What Parley guards; the same names as the server's permission table. */
export type Action =
  | 'escalate'
  | 'list_recordings'
  | 'play_recording'
  | 'export_recording'
  | 'delete_recording'
  | 'configure'
  | 'read_audit'
  | 'handle_dsar'
  | 'place_legal_hold'
  | 'supervise';

const allActions: readonly Action[] = [
  'escalate',
  'list_recordings',
  'play_recording',
  'export_recording',
  'delete_recording',
  'configure',
  'read_audit',
  'handle_dsar',
  'place_legal_hold',
  'supervise',
];

/**
 * What the signed-in user may do, as `GET /api/me` lists it (the server resolves built-in and
 * custom roles alike). The console uses it only to decide what to offer; the server still decides
 * every request, so a screen shown by mistake would only ever show a refusal.
 */
export function actionsOf(me: { actions: readonly string[] }): ReadonlySet<Action> {
  const known = (name: string): name is Action => (allActions as readonly string[]).includes(name);
  return new Set(me.actions.filter(known));
}
