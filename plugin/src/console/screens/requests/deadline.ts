import type { DataSubjectRequest } from '../../../api-types';
import type { Tone } from '../../ui/kit';

/** Within this many days of the deadline a request is flagged as due soon. */
export const DUE_SOON_DAYS = 7;

export interface DeadlineBadge {
  tone: Tone;
  label: string;
}

/**
 * How urgent a request is, as the list shows it: overdue in red, due within a week in amber,
 * otherwise neutral; answered requests say so. The server counts the days, so every DPO sees the
 * same figure whatever their clock says.
 */
export function deadlineBadge(request: Pick<DataSubjectRequest, 'daysLeft' | 'overdue' | 'extended'>): DeadlineBadge {
  const extended = request.extended ? ' (extended)' : '';
  if (request.daysLeft === null) return { tone: 'neutral', label: 'Answered' };
  if (request.overdue || request.daysLeft < 0) {
    const late = Math.abs(Math.min(request.daysLeft, 0));
    return { tone: 'danger', label: late === 0 ? `Overdue${extended}` : `Overdue by ${late} day${late === 1 ? '' : 's'}${extended}` };
  }
  const when = request.daysLeft === 0 ? 'Due today' : `Due in ${request.daysLeft} day${request.daysLeft === 1 ? '' : 's'}`;
  return { tone: request.daysLeft <= DUE_SOON_DAYS ? 'warning' : 'neutral', label: `${when}${extended}` };
}
