import { createMiddleware } from 'hono/factory';
import { UnauthorizedError, ForbiddenError } from '../errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { resolvePrincipal } from '../services/sessions/open-agent-session.js';
import type { AgentPrincipal, CallParticipantPrincipal } from '../services/principal.js';
import type { AppEnv } from './context.js';

/**
 * Verifies the bearer session token and puts the principal on the context. A bearer header (never a
 * cookie) also means a cross-site form or image cannot act as the user: no CSRF on these routes.
 */
export function authenticate(deps: Pick<ServiceDeps, 'tokens' | 'db'>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    // Several route groups guard overlapping paths (`/api/admin/*`): authenticate once per request.
    if (c.get('principal') as AppEnv['Variables']['principal'] | undefined) return next();
    const header = c.req.header('authorization');
    const match = header?.match(/^Bearer ([\w.-]+)$/);
    if (!match) throw new UnauthorizedError('Missing bearer session token.');
    c.set('principal', await resolvePrincipal(deps.db, await deps.tokens.verify(match[1]!)));
    await next();
  });
}

export function requireAgent(principal: AppEnv['Variables']['principal']): AgentPrincipal {
  if (principal.kind !== 'agent') throw new ForbiddenError('Only a signed-in agent can do this.');
  return principal;
}

export function requireParticipant(principal: AppEnv['Variables']['principal']): CallParticipantPrincipal {
  if (principal.kind !== 'call-participant') throw new ForbiddenError('Only a call participant can do this.');
  return principal;
}
