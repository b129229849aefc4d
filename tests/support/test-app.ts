import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { JanusGateway } from '../../backend/src/adapters/janus/gateway.js';
import { createApp } from '../../backend/src/app.js';
import type { Database } from '../../backend/src/db/client.js';
import type { S3LocationConfig } from '../../backend/src/config.js';
import type { ServiceDeps } from '../../backend/src/services/deps.js';
import { SessionTokens } from '../../backend/src/services/sessions/session-tokens.js';
import type { HostIdentity } from '../../backend/src/services/identity/host-identity.js';
import { freshDatabase } from './databases.js';
import { localStores } from './recording-fixtures.js';
import { startLocalJanus, type LocalJanus } from '../../media/janus/local-node.js';

export const PUBLIC_BASE_URL = 'http://parley.test';

/** Recording deps as `npm start` has them by default: local key files and the local store under `dataDir`. */
export function localRecordingDeps(dataDir: string, s3: S3LocationConfig[] = []) {
  const { masterKeys, stores } = localStores(dataDir, s3);
  return { recordingMinFreeBytes: 0, recordings: { masterKeys, stores, playbackTtlSeconds: 300 } };
}

/** The real app over a real database and a real Janus, driven in-process with app.request. */
export interface TestAppOptions {
  demo?: boolean;
  recordingMinFreeBytes?: number;
  s3Locations?: S3LocationConfig[];
  /** Host sign-in (Zendesk signed URLs, Teams SSO) against fake vendors; absent: those routes refuse. */
  identity?: HostIdentity;
  /** Where the app logs; absent: nowhere. Tests that check what is logged pass their own. */
  logger?: pino.Logger;
}

export async function buildTestApp(database: Database, janus: LocalJanus | LocalJanus[], options: TestAppOptions = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-app-'));
  const recordingDeps = localRecordingDeps(dataDir, options.s3Locations);
  const gateway = new JanusGateway((Array.isArray(janus) ? janus : [janus]).map((j) => j.node));
  const tokens = new SessionTokens('test-session-secret-that-is-long-enough-0123456789');
  /** What the app's services get: also what a test mounts extra routes (the Teams bot) with. */
  const deps: ServiceDeps = {
    db: database.db,
    media: gateway,
    tokens,
    logger: options.logger ?? pino({ level: 'silent' }),
    publicBaseUrl: PUBLIC_BASE_URL,
    joinTokenTtlSeconds: 900,
    dataDir,
    ...recordingDeps,
    ...(options.recordingMinFreeBytes === undefined ? {} : { recordingMinFreeBytes: options.recordingMinFreeBytes }),
  };
  const app = createApp({
    ...deps,
    demo: options.demo ?? true,
    identity: options.identity,
    staticDir: mkdirSync(join(dataDir, 'bundle'), { recursive: true })!,
    readiness: {
      database: () => database.ping(),
      janus: async () => {
        if (!(await gateway.health()).some((n) => n.healthy)) throw new Error('no healthy Janus node');
      },
    },
  });

  const call = async (method: string, path: string, init: { body?: unknown; rawBody?: string; token?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined || init.rawBody !== undefined) headers['content-type'] = 'application/json';
    const response = await app.request(path, {
      method,
      headers,
      body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    });
    const text = await response.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
  };

  return {
    app,
    deps,
    gateway,
    tokens,
    dataDir,
    /** The keys and stores the app plays recordings from; a pipeline under test writes with the same. */
    recordings: recordingDeps.recordings,
    call,
    /** A demo sign-in, with the tenant and agent the session names. */
    async signInAgent(accountId = 'acme') {
      const token = await this.signIn(accountId);
      const principal = await tokens.verify(token);
      if (principal.kind !== 'agent') throw new Error('expected an agent session');
      return { token, tenantId: principal.tenantId, agentId: principal.agentId };
    },
    async signIn(accountId = 'acme', userId = '1234', role: 'agent' | 'admin' | 'supervisor' | 'dpo' = 'agent') {
      const res = await call('POST', '/api/demo/session', { body: { accountId, userId, name: 'Dana Agent', role } });
      if (res.status !== 201) throw new Error(`demo sign-in failed: ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    },
    /** The customer reads the notice behind a consent link and decides; returns the decision. */
    async decide(consentLink: string, decision: { join: boolean; recording?: boolean }) {
      const token = tokenOf(consentLink);
      const view = await call('GET', `/api/consent/${token}`);
      if (view.status !== 200) throw new Error(`consent view failed: ${JSON.stringify(view.body)}`);
      return call('POST', `/api/consent/${token}`, { body: { noticeVersionId: view.body.noticeVersionId, ...decision } });
    },
    /** Consent to join and return the customer's single-use join token. */
    async customerJoinToken(consentLink: string, recording?: boolean) {
      const res = await this.decide(consentLink, { join: true, recording });
      if (res.status !== 200) throw new Error(`consent failed: ${JSON.stringify(res.body)}`);
      return tokenOf(res.body.joinUrl as string);
    },
    /**
     * A call of this meeting type on a new ticket, accepted by the customer (with recording, where
     * asked) and both links redeemed: what two browsers hold before they enter the room.
     */
    async joinedCall(agentToken: string, type: 'support' | 'advice' | 'consultation', ticket: string) {
      const offered = await call('POST', '/api/calls', { token: agentToken, body: escalation(await this.meetingType(agentToken, type), ticket, `${ticket}-customer`) });
      if (offered.status !== 201) throw new Error(`escalation failed: ${JSON.stringify(offered.body)}`);
      const customer = await call('POST', `/api/join/${await this.customerJoinToken(offered.body.links.customer, type === 'consultation' ? true : undefined)}`);
      const agent = await call('POST', `/api/join/${tokenOf(offered.body.links.agent)}`);
      return { callId: offered.body.call.id as string, customer: customer.body.session as string, agent: agent.body.session as string };
    },
    async meetingType(token: string, key: 'support' | 'advice' | 'consultation') {
      const res = await call('GET', '/api/meeting-types', { token });
      return (res.body.meetingTypes as { id: string; key: string }[]).find((t) => t.key === key)!.id;
    },
    async close() {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Zendesk ticket ids are numbers; tests name tickets for readability and get a stable number. */
export function ticketNumber(name: string): string {
  if (/^\d+$/.test(name)) return name;
  return String(parseInt(createHash('sha256').update(name).digest('hex').slice(0, 10), 16));
}

export function escalation(meetingTypeId: string, ticket = '4711', requester = '90210') {
  return {
    meetingTypeId,
    case: { host: 'zendesk', externalId: ticketNumber(ticket) },
    customer: { externalId: requester, displayName: 'Alex Customer', email: 'alex@example.com', locale: 'en-US' },
  };
}

export function tokenOf(link: string): string {
  return new URL(link).pathname.split('/').pop()!;
}

export async function startTestJanus(baseDir: string, id = 'janus-1'): Promise<LocalJanus> {
  return startLocalJanus({ id, baseDir, recordingsRoot: baseDir });
}

export type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

/** A fresh PGlite, a Janus and the app over them, for one suite; `close` removes all of it. */
export async function startTestStack(name: string, options: TestAppOptions = {}) {
  const baseDir = mkdtempSync(join(tmpdir(), `parley-${name}-`));
  const [database, janus] = await Promise.all([freshDatabase('pglite'), startTestJanus(baseDir)]);
  const t = await buildTestApp(database, janus, options);
  return {
    database,
    t,
    async close() {
      await t.close();
      await janus.stop();
      await database.close();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}
