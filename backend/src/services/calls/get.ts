import type { ServiceDeps } from '../deps.js';
import type { Principal } from '../principal.js';
import { callView, loadCallFor, loadParticipants } from './load-call.js';

export async function getCall(deps: Pick<ServiceDeps, 'db'>, principal: Principal, callId: string) {
  const loaded = await loadCallFor(deps.db, principal, callId);
  return callView(loaded, await loadParticipants(deps.db, principal.tenantId, callId));
}
