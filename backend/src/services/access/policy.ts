import { ForbiddenError, NotFoundError, type DomainError } from '../../errors.js';
import type { AgentPrincipal, Principal } from '../principal.js';
import { meetingTypeScopedActions, type Action } from './permissions.js';

/** The object an action is about, as far as access is concerned. */
export interface Resource {
  tenantId: string;
  /** The meeting type of the call or recording; absent for account-wide actions. */
  meetingTypeId?: string | null;
  /** The client the case belongs to; null when the case has none. */
  clientId?: string | null;
}

export type Denial = 'other_tenant' | 'not_an_agent' | 'no_permission' | 'meeting_type' | 'client';
export type Decision = { allowed: true } | { allowed: false; reason: Denial };

const allowed: Decision = { allowed: true };
const deny = (reason: Denial): Decision => ({ allowed: false, reason });

/**
 * The one policy function. Deny by default: a principal may act on a resource only when it is an
 * agent of the resource's tenant, one of its roles grants the action (for this meeting type, where
 * the action is per meeting type), and — for a case of a client — the user works for that client.
 * Pure and synchronous: callers load the object first and pass it in hand.
 */
export function decide(principal: Principal, action: Action, resource: Resource): Decision {
  if (principal.tenantId !== resource.tenantId) return deny('other_tenant');
  if (principal.kind !== 'agent') return deny('not_an_agent');
  const grant = principal.access.grants.get(action);
  if (!grant) return deny('no_permission');
  if (meetingTypeScopedActions.has(action)) {
    if (grant !== 'all' && (!resource.meetingTypeId || !grant.has(resource.meetingTypeId))) return deny('meeting_type');
    const { clients } = principal.access;
    if (resource.clientId && clients !== 'all' && !clients.has(resource.clientId)) return deny('client');
  }
  return allowed;
}

const refusals: Record<Exclude<Denial, 'other_tenant'>, string> = {
  not_an_agent: 'Only a signed-in member of this account can do this.',
  no_permission: 'Your role does not allow this.',
  meeting_type: 'Your role does not allow this for this meeting type.',
  client: 'This belongs to a client you are not assigned to.',
};

/**
 * Throws unless `decide` allows. Another tenant's object looks missing (`notFound`), so ids
 * cannot be probed across accounts; everything else is a 403 that says why.
 */
export function authorize(principal: Principal, action: Action, resource: Resource, notFound?: DomainError): AgentPrincipal {
  const decision = decide(principal, action, resource);
  if (decision.allowed) return principal as AgentPrincipal;
  if (decision.reason === 'other_tenant') throw notFound ?? new NotFoundError('NOT_FOUND', 'No such object.');
  throw new ForbiddenError(refusals[decision.reason]);
}

/** For account-wide actions (configure, read_audit, handle_dsar): the principal's own tenant. */
export function authorizeAccount(principal: Principal, action: Action): AgentPrincipal {
  return authorize(principal, action, { tenantId: principal.tenantId });
}
