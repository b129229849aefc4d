/**
 * The permission table: every action Parley guards, and what the built-in roles may do.
 * Custom roles pick from the same actions. Tests generate their role × action matrix
 * from this table, so a change here is a change the tests check.
 */
export const actions = [
  /** Start a video call from a ticket or chat. */
  'escalate',
  /** See that recordings exist and their metadata. */
  'list_recordings',
  /** Stream a recording in the viewer. */
  'play_recording',
  /** Take a copy of a recording out of Parley (data-subject export, legal request). */
  'export_recording',
  /** Delete a recording before its retention ends. */
  'delete_recording',
  /** Change the account's settings, meeting types, notices, roles and identity set-up. */
  'configure',
  /** Read, verify and export the audit trail. */
  'read_audit',
  /** Handle data-subject requests (GDPR Art. 15, 17). */
  'handle_dsar',
  /** Place and release legal holds, which keep data past its retention. */
  'place_legal_hold',
  /** Listen to a running call without taking part, where the meeting type allows it and the notice said so. */
  'supervise',
] as const;
export type Action = (typeof actions)[number];

/** Actions that act on one meeting type's calls and recordings, so a role may hold them for some types only. */
export const meetingTypeScopedActions: ReadonlySet<Action> = new Set([
  'escalate',
  'list_recordings',
  'play_recording',
  'export_recording',
  'delete_recording',
  'supervise',
]);

/** Reads that are audited whether they are allowed or refused. */
export const sensitiveActions: ReadonlySet<Action> = new Set(['list_recordings', 'play_recording', 'export_recording', 'read_audit']);

export const builtInRoleNames = ['admin', 'supervisor', 'agent', 'dpo'] as const;
export type BuiltInRoleName = (typeof builtInRoleNames)[number];

export interface RoleDefinition {
  /** Sees every client's data; otherwise only the clients the user is assigned to. */
  allClients: boolean;
  actions: readonly Action[];
}

export const builtInRoles: Record<BuiltInRoleName, RoleDefinition> = {
  agent: { allClients: false, actions: ['escalate', 'list_recordings', 'play_recording'] },
  supervisor: { allClients: false, actions: ['escalate', 'list_recordings', 'play_recording', 'export_recording', 'supervise'] },
  admin: {
    allClients: true,
    actions: ['escalate', 'list_recordings', 'play_recording', 'export_recording', 'delete_recording', 'configure', 'read_audit', 'place_legal_hold', 'supervise'],
  },
  dpo: { allClients: true, actions: ['list_recordings', 'export_recording', 'delete_recording', 'read_audit', 'handle_dsar', 'place_legal_hold'] },
};

export function isBuiltInRole(name: string): name is BuiltInRoleName {
  return (builtInRoleNames as readonly string[]).includes(name);
}
