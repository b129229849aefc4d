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
 * The built-in roles as the server defines them (backend/src/services/access/permissions.ts). The
 * console uses this only to decide what to offer; the server still decides every request, so a
 * screen shown by mistake would only ever show a refusal.
 */
const builtInRoles: Record<string, readonly Action[]> = {
  agent: ['escalate', 'list_recordings', 'play_recording'],
  supervisor: ['escalate', 'list_recordings', 'play_recording', 'export_recording', 'supervise'],
  admin: ['escalate', 'list_recordings', 'play_recording', 'export_recording', 'delete_recording', 'configure', 'read_audit', 'place_legal_hold', 'supervise'],
  dpo: ['list_recordings', 'export_recording', 'delete_recording', 'read_audit', 'handle_dsar', 'place_legal_hold'],
};

/**
 * What the signed-in user may do. `GET /api/me` names roles; where it also lists actions (custom
 * roles grant any mix), those win.
 */
export function actionsOf(me: { roles: readonly string[]; actions?: readonly string[] }): ReadonlySet<Action> {
  const known = (name: string): name is Action => (allActions as readonly string[]).includes(name);
  if (me.actions) return new Set(me.actions.filter(known));
  return new Set(me.roles.flatMap((role) => builtInRoles[role] ?? []));
}
