import { describe, expect, it } from 'vitest';
import { layoutStackedBars, niceStep } from '../../plugin/src/console/screens/retention/chart-geometry.js';
import { deadlineBadge } from '../../plugin/src/console/screens/requests/deadline.js';
import { builtInRoles, type BuiltInRoleName } from '../../backend/src/services/access/permissions.js';
import { actionsOf } from '../../plugin/src/console/permissions.js';
import { landingScreen, screenFromHash, visibleScreens } from '../../plugin/src/console/routes.js';
import { nextStep } from '../../plugin/src/console/screens/onboarding/steps.js';
import type { Onboarding } from '../../plugin/src/api-types.js';

describe('data-subject request deadline badges', () => {
  const open = (daysLeft: number, extra: { overdue?: boolean; extended?: boolean } = {}) => ({ daysLeft, overdue: extra.overdue ?? daysLeft < 0, extended: extra.extended ?? false });

  it('shows an overdue request in red with how late it is', () => {
    expect(deadlineBadge(open(-3))).toEqual({ tone: 'danger', label: 'Overdue by 3 days' });
    expect(deadlineBadge(open(-1))).toEqual({ tone: 'danger', label: 'Overdue by 1 day' });
  });

  it('turns amber within seven days of the deadline, and neutral before that', () => {
    expect(deadlineBadge(open(0))).toEqual({ tone: 'warning', label: 'Due today' });
    expect(deadlineBadge(open(7))).toEqual({ tone: 'warning', label: 'Due in 7 days' });
    expect(deadlineBadge(open(8))).toEqual({ tone: 'neutral', label: 'Due in 8 days' });
  });

  it('says when a deadline was extended, and that answered requests are answered', () => {
    expect(deadlineBadge(open(40, { extended: true }))).toEqual({ tone: 'neutral', label: 'Due in 40 days (extended)' });
    expect(deadlineBadge(open(-2, { extended: true })).label).toBe('Overdue by 2 days (extended)');
    expect(deadlineBadge({ daysLeft: null, overdue: false, extended: false })).toEqual({ tone: 'neutral', label: 'Answered' });
  });
});

describe('the retention chart layout', () => {
  it('stacks each month’s meeting types bottom-up on one scale', () => {
    const layout = layoutStackedBars(
      { categories: ['2026-01', '2026-02'], series: [{ name: 'Advice', values: [2, 0] }, { name: 'Consultation', values: [3, 1] }] },
      { width: 450, height: 250 },
    );
    const [january, february] = layout.bars;
    expect(january!.total).toBe(5);
    expect(january!.segments.map((s) => s.series)).toEqual([0, 1]);
    // The second segment sits on top of the first, and heights are proportional to the counts.
    expect(january!.segments[1]!.y + january!.segments[1]!.height).toBeCloseTo(january!.segments[0]!.y);
    expect(january!.segments[1]!.height / january!.segments[0]!.height).toBeCloseTo(3 / 2);
    // An empty series draws nothing rather than a zero-height rectangle.
    expect(february!.segments.map((s) => s.series)).toEqual([1]);
    // The axis reaches at least the tallest bar, and bars do not overlap.
    expect(layout.ticks.at(-1)!.value).toBeGreaterThanOrEqual(5);
    expect(february!.x).toBeGreaterThan(january!.x + january!.width);
  });

  it('picks round axis steps, and still draws an axis when nothing is due', () => {
    expect([niceStep(5), niceStep(12), niceStep(230), niceStep(0)]).toEqual([1, 5, 50, 1]);
    const empty = layoutStackedBars({ categories: ['later'], series: [{ name: 'Advice', values: [0] }] }, { width: 300, height: 200 });
    expect(empty.bars[0]!.segments).toEqual([]);
    expect(empty.ticks.map((t) => t.value)).toEqual([0, 1]);
  });
});

describe('what the console offers whom', () => {
  /** What `GET /api/me` lists for a user holding these built-in roles: the server's own table. */
  const holding = (...roles: BuiltInRoleName[]) => ({ actions: roles.flatMap((role) => builtInRoles[role].actions) });
  const ids = (me: { actions: readonly string[] }) => visibleScreens(actionsOf(me)).map((s) => s.id);

  it('shows admins the configuration screens but not data-subject requests, and DPOs the reverse', () => {
    expect(ids(holding('admin'))).toEqual(['onboarding', 'meeting-types', 'people', 'recordings', 'audit', 'retention', 'records']);
    expect(ids(holding('dpo'))).toEqual(['recordings', 'requests', 'audit', 'records']);
    expect(ids(holding('agent'))).toEqual(['recordings']);
    expect(ids(holding())).toEqual([]);
  });

  it('offers what a custom role grants, and ignores actions it does not know', () => {
    expect(ids({ actions: ['read_audit', 'time_travel'] })).toEqual(['audit', 'records']);
  });

  it('lands on set-up until it is finished, otherwise on the screen asked for if allowed', () => {
    const admin = visibleScreens(actionsOf(holding('admin')));
    expect(landingScreen(null, admin, false)).toBe('onboarding');
    expect(landingScreen(screenFromHash('#/audit'), admin, false)).toBe('audit');
    expect(landingScreen(null, admin, true)).toBe('meeting-types');
    const agent = visibleScreens(actionsOf(holding('agent')));
    expect(landingScreen(screenFromHash('#/audit'), agent, true)).toBe('recordings');
    expect(screenFromHash('#session=abc')).toBeNull();
  });
});

describe('the set-up wizard', () => {
  const onboarding = (done: string[]): Onboarding => ({
    completedAt: null,
    recordingEnabledAt: null,
    steps: (['controller', 'dpo', 'privacy_policy', 'storage', 'meeting_types', 'retention', 'roles'] as const).map((key) => ({ key, done: done.includes(key), title: key })),
  });

  it('moves on to the next step still to do, wrapping round, and ends when all are done', () => {
    expect(nextStep(onboarding([]))).toBe('controller');
    expect(nextStep(onboarding(['controller', 'dpo']), 'dpo')).toBe('privacy_policy');
    expect(nextStep(onboarding(['controller', 'dpo', 'privacy_policy', 'storage', 'meeting_types', 'retention']), 'retention')).toBe('roles');
    expect(nextStep(onboarding(['dpo', 'privacy_policy', 'storage', 'meeting_types', 'retention', 'roles']), 'roles')).toBe('controller');
    expect(nextStep(onboarding(['controller', 'dpo', 'privacy_policy', 'storage', 'meeting_types', 'retention', 'roles']), 'roles')).toBe('finish');
  });
});
