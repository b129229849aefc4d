import type { Action } from './permissions';

export type ScreenId = 'onboarding' | 'meeting-types' | 'people' | 'recordings' | 'requests' | 'audit' | 'retention' | 'records';

export interface ScreenDef {
  id: ScreenId;
  /** The screen's h1 and its entry in the navigation. */
  title: string;
  /** Shown to a user holding any one of these. */
  anyOf: readonly Action[];
}

export const screens: readonly ScreenDef[] = [
  { id: 'onboarding', title: 'Set-up', anyOf: ['configure'] },
  { id: 'meeting-types', title: 'Meeting types', anyOf: ['configure'] },
  { id: 'people', title: 'People and roles', anyOf: ['configure'] },
  { id: 'recordings', title: 'Recordings', anyOf: ['list_recordings'] },
  { id: 'requests', title: 'Data-subject requests', anyOf: ['handle_dsar'] },
  { id: 'audit', title: 'Audit trail', anyOf: ['read_audit'] },
  { id: 'retention', title: 'Retention and storage', anyOf: ['configure'] },
  // Admins keep the record; DPOs read it to check it (both may generate it).
  { id: 'records', title: 'Records of processing', anyOf: ['configure', 'read_audit'] },
];

export function visibleScreens(actions: ReadonlySet<Action>): ScreenDef[] {
  return screens.filter((screen) => screen.anyOf.some((action) => actions.has(action)));
}

/** `#/audit` → 'audit'; anything that is not a screen → null. */
export function screenFromHash(hash: string): ScreenId | null {
  const id = hash.replace(/^#\/?/, '').split(/[?/]/)[0];
  return screens.find((screen) => screen.id === id)?.id ?? null;
}

export const hrefOf = (id: ScreenId): string => `#/${id}`;

/**
 * Where a user lands: the screen in the address if they may see it; otherwise set-up while it is
 * unfinished (for those who can finish it), otherwise the first screen they may see.
 */
export function landingScreen(requested: ScreenId | null, visible: readonly ScreenDef[], onboardingDone: boolean): ScreenId | null {
  if (requested && visible.some((screen) => screen.id === requested)) return requested;
  if (!onboardingDone && visible.some((screen) => screen.id === 'onboarding')) return 'onboarding';
  return visible.find((screen) => screen.id !== 'onboarding')?.id ?? visible[0]?.id ?? null;
}
