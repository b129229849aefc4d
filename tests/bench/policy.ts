// Policy check latency: `decide` (the pure decision every route makes with the object in hand)
// per call, and `loadAgentAccess` (the per-request read of the user's roles and clients) on
// PGlite. Run alone: `node --import tsx tests/bench/policy.ts` prints JSON.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { decide, type Resource } from '../../backend/src/services/access/policy.js';
import { loadAgentAccess, resolveAccess } from '../../backend/src/services/access/load-access.js';
import { actions } from '../../backend/src/services/access/permissions.js';
import type { AgentPrincipal } from '../../backend/src/services/principal.js';
import { provisionTenant } from '../../backend/src/services/tenants/provision.js';
import { freshDatabase } from '../support/databases.js';
import { seedAgent } from '../support/principals.js';

export interface PolicyFigures {
  decisions: number;
  decideP50Micros: number;
  decideP99Micros: number;
  decideMaxMicros: number;
  loads: number;
  loadP50Micros: number;
  loadP99Micros: number;
}

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

export async function benchPolicy(decisions = 1_000_000, loads = 2_000): Promise<PolicyFigures> {
  // A realistic user: two roles, one scoped to 20 meeting types, 200 clients.
  const meetingTypeIds = Array.from({ length: 20 }, () => randomUUID());
  const clientIds = Array.from({ length: 200 }, () => randomUUID());
  const access = resolveAccess(
    [
      { name: 'agent', builtIn: true, allClients: false, grants: {} },
      { name: 'reviewer', builtIn: false, allClients: false, grants: { play_recording: meetingTypeIds, export_recording: meetingTypeIds.slice(0, 5) } },
    ],
    clientIds,
  );
  const tenantId = randomUUID();
  const principal: AgentPrincipal = { kind: 'agent', tenantId, agentId: randomUUID(), access };
  // A mix of objects: own and other clients, granted and other meeting types, other tenants.
  const resources: Resource[] = Array.from({ length: 1024 }, (_, i) => ({
    tenantId: i % 17 === 0 ? randomUUID() : tenantId,
    meetingTypeId: i % 3 === 0 ? randomUUID() : meetingTypeIds[i % meetingTypeIds.length]!,
    clientId: i % 5 === 0 ? randomUUID() : clientIds[i % clientIds.length]!,
  }));

  const samples = new Float64Array(decisions);
  let allowed = 0;
  for (let i = 0; i < decisions; i += 1) {
    const action = actions[i % actions.length]!;
    const resource = resources[i & 1023]!;
    const start = process.hrtime.bigint();
    const decision = decide(principal, action, resource);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
    if (decision.allowed) allowed += 1;
  }
  if (allowed === 0 || allowed === decisions) throw new Error('the mix should both allow and deny');
  samples.sort();

  const database = await freshDatabase('pglite');
  const loadSamples = new Float64Array(loads);
  try {
    const { tenantId: realTenant } = await provisionTenant(database.db, { host: 'zendesk', externalAccountId: 'bench' });
    const clients = Array.from({ length: 20 }, (_, i) => ({ kind: 'zendesk_organization' as const, externalId: `org-${i}` }));
    const user = await seedAgent(database.db, realTenant, { roles: ['agent', 'supervisor'], clients });
    for (let i = 0; i < loads; i += 1) {
      const start = process.hrtime.bigint();
      await loadAgentAccess(database.db, { tenantId: realTenant, agentId: user.agentId, epoch: 0 });
      loadSamples[i] = Number(process.hrtime.bigint() - start) / 1000;
    }
  } finally {
    await database.close();
  }
  loadSamples.sort();

  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    decisions,
    decideP50Micros: round(percentile(samples, 50)),
    decideP99Micros: round(percentile(samples, 99)),
    decideMaxMicros: round(samples[samples.length - 1]!),
    loads,
    loadP50Micros: Math.round(percentile(loadSamples, 50)),
    loadP99Micros: Math.round(percentile(loadSamples, 99)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchPolicy(), null, 2));
}
